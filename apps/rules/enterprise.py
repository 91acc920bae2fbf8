"""R4 Enterprises (notice clause 四): who an enterprise may train on subsidy, and what it must file.

Enterprise training centres are recognised by the district bureau and filed with the municipal
bureau (R4.1), and the place of social insurance never restricts who may take part (R4.4); those
are matters of the institutions register and of the claim forms. What can be decided from the
facts of one trainee and one claim is here.
"""

from collections.abc import Iterable
from typing import Final

from apps.rules.results import Finding

#: R4.3: the materials of a direct enterprise claim, in the notice's words. No invoice is ever asked.
MATERIALS: Final[dict[str, str]] = {
    "plan": "培训计划",
    "sign_in": "学员签到表",
    "video": "培训视频类资料",
}

#: R4.2: the people an enterprise claim may cover, by their relation to the enterprise.
TRAINEE_RELATIONS: Final[dict[str, str]] = {
    "employee": "与本企业建立劳动关系的职工",
    "dispatched": "在本企业工作的劳务派遣人员",
    "outsourced": "在本企业工作的服务（业务）外包人员",
    "subsidiary_employee": "集团公司子公司、分公司职工（由集团职工培训中心培训）",
    "individual_business_worker": "个体工商户用工",
    "private_non_enterprise_worker": "民办非企业单位用工",
    "platform_worker": "互联网平台企业用工",
    "flexible_worker": "灵活就业人员",
}


def check_enterprise_trainee(relation: str) -> Finding | None:
    """R4.2 (E): an enterprise claim covers only the people clause 四 names.

    Its employees, dispatched and outsourced workers working there, and — for a group's training
    centre — staff of its subsidiaries and branches; workers of individual businesses (credit code
    ``92…``), of private non-enterprise units (``52…``) and of platform companies, and flexible
    workers, are admitted on the same terms.
    """
    if relation in TRAINEE_RELATIONS:
        return None
    allowed = "、".join(TRAINEE_RELATIONS.values())
    return Finding(
        "R4.2", "E", f"学员与企业的关系“{relation}”不在企业职工培训的人员范围内（{allowed}） (R4.2)"
    )


def check_materials(materials: Iterable[str], *, classified: bool) -> Finding | None:
    """R4.3 (E): a direct enterprise claim files its training plan, sign-in sheets and training video.

    Clause 四: "企业（涉密企业除外）申请直补培训补贴资金时，需提供培训计划、学员签到表、培训视频类资料
    等材料，无需开具培训补贴发票". A classified (涉密) enterprise is exempt; an invoice is never required.
    """
    if classified:
        return None
    present = set(materials)
    missing = [label for key, label in MATERIALS.items() if key not in present]
    if not missing:
        return None
    return Finding("R4.3", "E", f"企业直补申领缺少{'、'.join(missing)}（涉密企业除外），不予补贴 (R4.3)")
