"""Journey (c3): an enterprise files a direct claim (企业职工培训直补) for 3 people on the
5-row page — the two rows it leaves alone show a relation in their select and are still not
rows — uploads its R4.3 materials and submits."""

from decimal import Decimal

import pytest

from apps.claims.models import Claim, ClaimStatus
from tests.claims.conftest import id_number
from tests.claims.test_claim_kinds import MP4, PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STAFF = [("孙职工", "013"), ("周派遣", "024"), ("吴外包", "035")]
RELATIONS = ["employee", "dispatched", "outsourced"]


def test_an_enterprise_direct_claim_for_three_people_in_five_rows(
    portal, filer, employer, lathe, rates, tmp_path
):
    company = portal(filer)
    company.goto("/claims/")
    company.follow("申领企业职工培训直补")
    company.field("培训项目名称").fill("数控车床操作岗位提升")
    company.field("职业（工种）").select_option(value=str(lathe.pk))
    company.field("等级").select_option(value="4")
    company.field("培训开始日期").fill("2026-11-02")
    company.field("培训结束日期").fill("2026-11-20")
    for row, ((name, serial), relation) in enumerate(zip(STAFF, RELATIONS, strict=True), start=1):
        company.field(f"第 {row} 行 身份证号码").fill(id_number("500101", "19900101", serial))
        company.field(f"第 {row} 行 姓名").fill(name)
        company.field(f"第 {row} 行 与企业的关系 (R4.2)").select_option(value=relation)
        company.field(f"第 {row} 行 线下实到课时").fill("60")
        company.field(f"第 {row} 行 考核合格并取得证书").check()
    assert company.field("第 5 行 与企业的关系 (R4.2)").input_value() == "employee"  # untouched
    company.submit("生成申领草稿")
    assert "草稿已生成" in company.message(), company.text()
    claim = Claim.objects.get(kind="enterprise_direct")
    assert sorted(line.person.name for line in claim.lines.all()) == sorted(n for n, _ in STAFF)

    for kind, name, content in (("plan", "培训计划.pdf", PDF), ("sign_in", "签到表.pdf", PDF)):
        _upload_material(company, tmp_path, kind, name, content)
    _upload_material(company, tmp_path, "video", "培训录像.mp4", MP4)
    claim.refresh_from_db()
    assert claim.total == Decimal("4500.00")  # 3 × 150 × 60 / 6
    form = company.page.locator("form.action-form").filter(
        has=company.page.get_by_role("button", name="提交")
    )
    form.get_by_role("checkbox").check()
    company.submit(form.get_by_role("button", name="提交"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def _upload_material(company, tmp_path, kind, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    materials = company.page.locator("#materials")
    company.field("材料类型", materials).select_option(value=kind)
    company.field("文件", materials).set_input_files(str(path))
    company.submit(materials.get_by_role("button", name="上传"))
    assert name in company.text("#materials")
