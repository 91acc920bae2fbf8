"""The rule catalogue: every rule ID (docs/rules.md), its title, severity, clause, notice text and reading.

This is what the ``/rules/`` page shows, and what a finding's rule ID links to. ``notice_quote`` is
copied verbatim from the notice (sentences that are not next to each other are joined with
``……``); ``None`` where the rule comes from national rules or standards the notice does not state.
``reading`` is how the portal reads the rule, in Chinese. ``function`` names the function of this
package that applies it, or is ``None`` for rules enforced by the workflow (recognition, roles,
ledger) rather than by a computation.

``severity`` is the one docs/rules.md gives: E 错误, W 提示, O 原则上不允许（可书面说明理由后通过）, or
``None`` for the arithmetic rules. An arithmetic rule that leaves part of a claim unpaid (the online
hours above 30 % under R2.5, a month already paid under R3.5) reports that part as an E finding on
that part only; the rest is still paid.
"""

from dataclasses import dataclass
from typing import Final

from apps.rules import notice
from apps.rules.results import Severity


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One rule as the rules page shows it."""

    id: str
    title: str
    severity: Severity | None
    clause: str | None
    notice_quote: str | None
    reading: str
    function: str | None


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """A chapter of docs/rules.md: R1 … R11."""

    prefix: str
    title: str
    clause: str | None


def _quote(*sentences: str) -> str:
    return notice.OMISSION.join(sentences)


_R = "apps.rules."

RULE_GROUPS: Final[tuple[RuleGroup, ...]] = (
    RuleGroup("R1", "日补贴标准与培训天数", "一"),
    RuleGroup("R2", "弹性学时与线上培训", "二"),
    RuleGroup("R3", "以工代训", "三"),
    RuleGroup("R4", "企业职工培训", "四"),
    RuleGroup("R5", "企业新型学徒制", "五"),
    RuleGroup("R6", "高技能人才培训", "六"),
    RuleGroup("R7", "第三方社会机构", "七"),
    RuleGroup("R8", "专账资金", "八"),
    RuleGroup("R9", "施行日期", "末段"),
    RuleGroup("R10", "每人补贴次数（本通知所依据的国家规定）", None),
    RuleGroup("R11", "实名制身份信息", None),
)

RULES: Final[tuple[RuleInfo, ...]] = (
    RuleInfo(
        "R1.1",
        "日补贴标准折算区间",
        "E",
        "一",
        notice.S_RATE_RANGE,
        "区县为某职业（工种）某等级确定的日补贴标准 r 应在 130–200 元/人·天之间，两端都包括。",
        _R + "rates.check_rate_range",
    ),
    RuleInfo(
        "R1.2",
        "生产制造（第六大类）职业日补贴标准下限",
        "E",
        "一",
        notice.S_CONVERSION,
        "职业分类大典第六大类（编码 6-…）的职业（工种）：r ≥ 150；高级工及以上（三级、二级、一级）r ≥ 180。"
        "属于第六大类的新职业也按本条。",
        _R + "rates.check_rate_floor",
    ),
    RuleInfo(
        "R1.3",
        "其他职业日补贴标准下限",
        "E",
        "一",
        notice.S_CONVERSION,
        "其他职业（工种）：r ≥ 130；高级工及以上 r ≥ 150。专项职业能力没有等级，按高级工以下对待；"
        "第二大类的新职业也按本条。",
        _R + "rates.check_rate_floor",
    ),
    RuleInfo(
        "R1.4",
        "新职业日补贴标准",
        "E",
        "一",
        notice.S_CONVERSION,
        "人力资源社会保障部发布的新职业，不属于第二、第六大类的：r 必须恰好为 150，高级工及以上恰好为 180"
        "（通知用“调整为”，不是“不低于”）。",
        _R + "rates.check_new_occupation_rate",
    ),
    RuleInfo(
        "R1.5",
        "计划课时折算",
        None,
        "一",
        notice.S_RATE_RANGE,
        "区县补贴标准表每行给出人均补贴标准 S（按渝人社发〔2019〕124号、〔2020〕43号）和日补贴标准 r，"
        "计划课时 H = ⌊S × 6 ÷ r⌋。新职业由区县核定 H，S = r × H ÷ 6。",
        _R + "rates.planned_class_hours",
    ),
    RuleInfo(
        "R1.6",
        "补贴标准表按日期生效",
        None,
        "一",
        _quote(notice.S_RATE_RANGE, notice.S_STANDARD_REVIEW),
        "补贴标准表有生效起止日期；以开班申请审核通过之日有效的一行为准，审核通过时复制到班级上（R9.2）。",
        None,
    ),
    RuleInfo(
        "R1.7",
        "企业职工培训补贴标准上浮",
        None,
        "四",
        notice.S_UPLIFT,
        "企业职工培训可按区县设定的上浮比例 u（默认 0）计发：r' = r × (1 + u)，S' = S × (1 + u)，"
        "培训时长限制可适当放宽。R1.1–R1.4 按上浮前的 r 检查，H 按 S 与 r 计算；线上日补贴标准不上浮。",
        _R + "rates.uplift",
    ),
    RuleInfo(
        "R2.1",
        "6 课时折合 1 天",
        None,
        "二",
        notice.S_CLASS_HOUR,
        "每课时 45 分钟，6 课时折合 1 个培训日，周末班、夜间班、工余班、线上培训都一样。"
        "出勤分钟按每次课“分钟数 ÷ 45 取整”折算为课时。",
        _R + "hours.class_hours_from_minutes",
    ),
    RuleInfo(
        "R2.2",
        "学时不影响申报鉴定",
        None,
        "二",
        notice.S_FLEXIBLE_HOURS,
        "学时只是鉴定评价和结业考核的参考：达到相应技能水平的学员，无论学时多少都可申报鉴定或考核；"
        "学时只决定补贴金额。",
        None,
    ),
    RuleInfo(
        "R2.3",
        "线上课时原则上不超过 30%",
        "O",
        "二",
        notice.S_ONLINE,
        "申请开班时，计划线上课时 ≤ ⌊0.30 × H⌋。通知用“原则上”，经办人员可书面说明理由后通过；"
        "无论是否通过，R2.5 只按 30% 以内的线上课时补贴。",
        _R + "hours.check_planned_online",
    ),
    RuleInfo(
        "R2.4",
        "线上日补贴标准上限",
        "E",
        "二",
        notice.S_ONLINE,
        "线上培训日补贴标准 r_on ≤ 60 元/人·天，已含流量费。",
        _R + "hours.check_online_rate",
    ),
    RuleInfo(
        "R2.5",
        "线上线下分段核算",
        None,
        "二",
        notice.S_ONLINE,
        "合格学员：线上计入 on = min(实到线上, ⌊0.30 × H⌋)，线下计入 off = min(实到线下, H − on)，"
        "金额 = min(round(r × off ÷ 6) + round(r_on × on ÷ 6), S)，每段四舍五入到分。"
        "超出 30% 的线上课时不予补贴，只扣除这一部分。",
        _R + "hours.payable_class_hours",
    ),
    RuleInfo(
        "R2.6",
        "未合格不予补贴",
        "E",
        "二",
        notice.S_FLEXIBLE_HOURS,
        "学员须取得职业资格证书、职业技能等级证书、专项职业能力证书或培训合格证书（结业）之一；"
        "未取得或考核不合格的，补贴为 0。",
        _R + "hours.check_passed",
    ),
    RuleInfo(
        "R3.1",
        "以工代训只补贴到 2021 年 12 月",
        "E",
        "三",
        notice.S_WFT_PERIOD,
        "只有 2021 年 12 月及以前的月份可以补贴；之后的月份逐月不予补贴，不影响同一申领中的其他月份。",
        _R + "work_for_training.check_month_payable",
    ),
    RuleInfo(
        "R3.2",
        "以工代训无需培训计划和证书",
        None,
        "三",
        _quote(notice.S_WFT_NO_SEPARATE_TRAINING, notice.S_WFT_NO_PLAN),
        "以工代训不单独组织培训；企业申领时不需要培训计划，也不需要培训合格证书。",
        _R + "work_for_training.quote_work_for_training",
    ),
    RuleInfo(
        "R3.3",
        "以工代训不计入每年次数",
        None,
        "三",
        notice.S_THREE_PER_YEAR,
        "以工代训不计入 R10.1 的每人每年培训补贴次数。",
        _R + "limits.counts_towards_limit",
    ),
    RuleInfo(
        "R3.4",
        "以工代训期间不得参加其他培训",
        "E",
        "三",
        notice.S_THREE_PER_YEAR,
        "劳动者在以工代训的月份内不得同时参加日期重叠的其他补贴性培训；后申报的一条不予补贴"
        "（以工代训申领中只扣除重叠的月份）。",
        _R + "limits.check_no_overlap_with_work_for_training",
    ),
    RuleInfo(
        "R3.5",
        "以工代训按月计发",
        None,
        "三",
        notice.S_WFT_PERIOD,
        "金额 = 每月标准 A_wft（区县设置）× 可补贴月数；每名职工在同一企业最多 M_wft 个月（区县设置）；"
        "同一企业、同一职工、同一月份只补贴一次。标准出自渝人社发〔2020〕87号。",
        _R + "work_for_training.quote_work_for_training",
    ),
    RuleInfo(
        "R4.1",
        "企业职工培训中心",
        None,
        "四",
        _quote(notice.S_TRAINING_CENTRE, notice.S_CENTRE_TRAINEES),
        "企业职工培训中心由区县人力社保局认定，报市人力社保局备案发布；培训工种由区县认定；"
        "集团公司管理的职工培训中心可培训子公司、分公司职工。",
        None,
    ),
    RuleInfo(
        "R4.2",
        "企业职工培训的人员范围",
        "E",
        "四",
        _quote(notice.S_CENTRE_TRAINEES, notice.S_STAFF_SCOPE, notice.S_OTHER_EMPLOYERS),
        "企业申领只覆盖本企业职工、在本企业工作的劳务派遣人员和服务外包人员；个体工商户（信用代码 92…）、"
        "民办非企业单位（52…）、互联网平台企业用工和灵活就业人员参照执行。",
        _R + "enterprise.check_enterprise_trainee",
    ),
    RuleInfo(
        "R4.3",
        "企业直补申领材料",
        "E",
        "四",
        notice.S_CENTRE_TRAINEES,
        "企业直接申领培训补贴须提供培训计划、学员签到表和培训视频类资料，涉密企业除外；从不要求发票。",
        _R + "enterprise.check_materials",
    ),
    RuleInfo(
        "R4.4",
        "参训方式与参保地",
        None,
        "四",
        notice.S_MODES,
        "企业职工可企业集中组训或自主分散参训；参保地点不限制参训资格。",
        None,
    ),
    RuleInfo(
        "R5.1",
        "新型学徒制培训周期",
        "W",
        "五",
        notice.S_APPRENTICE_PERIOD,
        "计划培训期一般为 12–24 个月；超出这一范围的，提示审核人员判断并记录理由。",
        _R + "apprenticeship.check_period",
    ),
    RuleInfo(
        "R5.2",
        "新型学徒制年度补贴标准",
        "E",
        "五",
        notice.S_APPRENTICE_STANDARD,
        "年度补贴标准 A_app 为区县设置，不得低于 4000 元/人·年（渝人社发〔2020〕43号），低于下限为错误；"
        "期满合格全额计发 A_app × 计划月数 ÷ 12。",
        _R + "apprenticeship.quote_apprenticeship",
    ),
    RuleInfo(
        "R5.3",
        "企业重大变化提前结束",
        None,
        "五",
        notice.S_APPRENTICE_EARLY_END,
        "企业改制重组、关闭、破产，培训未届满，学徒已完成主要课程并取得证书的，按实际培训整月数折算："
        "A_app × 实际月数 ÷ 12。",
        _R + "apprenticeship.quote_apprenticeship",
    ),
    RuleInfo(
        "R5.4",
        "按开班时的标准执行",
        None,
        "五",
        notice.S_APPRENTICE_STANDARD,
        "开班时有效的补贴标准适用于整个班次（R9.2）。",
        None,
    ),
    RuleInfo(
        "R5.5",
        "开班预支",
        None,
        None,
        None,
        "开班时可预支不超过全额 50% 的补贴，期满结算时扣回（区县设置；本通知未载明）。",
        _R + "apprenticeship.advance_cap",
    ),
    RuleInfo(
        "R6.1",
        "高技能人才培训基地培训规模",
        "W",
        "六",
        notice.S_HIGH_SKILL_BASE,
        "国家级、市级高技能人才培训基地年均高级工及以上培训分别达到 600、300 人次；未达标的提示取消基地资格，"
        "暂缓拨付尚未拨付的建设补助资金。按通知原文“年均”计算多年平均数。",
        _R + "high_skill.check_high_skill_base",
    ),
    RuleInfo(
        "R6.2",
        "区县级民办职业培训学校开展高级工培训",
        "E",
        "六",
        notice.S_DISTRICT_SCHOOL,
        "区县级民办职业培训学校经所在区县人力社保局认定后，可开展高级工培训；通知只放开高级工，"
        "技师、高级技师培训不在此列。",
        _R + "high_skill.check_district_school_level",
    ),
    RuleInfo(
        "R7.1",
        "第三方社会机构",
        None,
        "七",
        _quote(notice.S_THIRD_PARTY, notice.S_THIRD_PARTY_OVERSIGHT, notice.S_BLACKLIST),
        "第三方社会机构只在聘用它的区县内审核，每次操作留痕；列入黑名单的立即停止访问。",
        None,
    ),
    RuleInfo(
        "R8.1",
        "生活费补贴",
        None,
        "八",
        notice.S_LIVING_ALLOWANCE,
        "区县指定人群按线下培训天数发放生活费（含交通费）：L × 线下课时 ÷ 6，L 为区县设置；"
        "从生活费份额中支出。",
        _R + "special_account.living_allowance",
    ),
    RuleInfo(
        "R8.2",
        "专账资金额度与比例",
        "E",
        "八",
        notice.S_SPECIAL_ACCOUNT,
        "区县每年确定专账资金额度及以工代训、生活费支出比例；会超出额度或份额的审批不予通过。",
        _R + "special_account.check_allocation",
    ),
    RuleInfo(
        "R8.3",
        "凡进必补、不进不补",
        "E",
        "八",
        notice.S_SPECIAL_ACCOUNT,
        "只有在实名制管理系统中以有效身份证号码登记的学员才能获得补贴。",
        _R + "special_account.check_real_name",
    ),
    RuleInfo(
        "R8.4",
        "不得以地域、户籍限制",
        None,
        "八",
        notice.S_NO_REGION,
        "不以地域、户籍为条件：任何省份的身份证号码同样有效。",
        _R + "identity.check_id_number",
    ),
    RuleInfo(
        "R8.5",
        "账实相符、账表相符",
        None,
        "八",
        notice.S_SPECIAL_ACCOUNT,
        "台账与申领、拨付逐笔核对一致。",
        None,
    ),
    RuleInfo(
        "R9.1",
        "已审核通过的班次按原有政策",
        None,
        "末段",
        notice.S_EFFECTIVE,
        "开班申请在 2021-03-01（本通知印发并施行之日）前审核通过的，按原有政策：合格学员按补贴标准 S 补贴，"
        "不按天数折算。2021-03-01 当天审核通过的适用本通知。",
        _R + "effective.follows_previous_policy",
    ),
    RuleInfo(
        "R9.2",
        "审核通过时锁定标准",
        None,
        "末段",
        _quote(notice.S_EFFECTIVE, notice.S_APPRENTICE_STANDARD),
        "开班申请审核通过之日有效的日补贴标准、补贴标准和政策版本复制到班级上，此后标准表调整不影响该班。",
        None,
    ),
    RuleInfo(
        "R10.1",
        "每人每年补贴次数",
        "E",
        "三",
        notice.S_THREE_PER_YEAR,
        "每人每年最多享受 3 次培训补贴，按培训结束日期所在自然年计；后来重庆规定降为 1 次，"
        "由区县按生效日期设置。以工代训不计入；待审和已批准的都计入。",
        _R + "limits.check_per_year_limit",
    ),
    RuleInfo(
        "R10.2",
        "同一职业同一等级只补贴一次",
        "E",
        None,
        None,
        "同一职业（工种）同一等级，每人终身只补贴一次。",
        _R + "limits.check_same_level_once",
    ),
    RuleInfo(
        "R10.3",
        "先高后低",
        "W",
        None,
        None,
        "已享受某职业较高等级补贴后又申请该职业较低等级的，提示审核人员判断并记录理由。",
        _R + "limits.check_lower_level_after_higher",
    ),
    RuleInfo(
        "R11.1",
        "居民身份证号码",
        "E",
        "八",
        notice.S_SPECIAL_ACCOUNT,
        "18 位居民身份证号码（GB 11643-1999），校验码按 ISO 7064 MOD 11-2 计算，出生日期真实且不晚于当天；"
        "小写 x 视为 X；15 位旧号码不予受理。",
        _R + "identity.check_id_number",
    ),
    RuleInfo(
        "R11.2",
        "参训年龄",
        "E",
        None,
        None,
        "开班之日学员年满 16 周岁（16 周岁生日当天即为年满）。",
        _R + "identity.check_minimum_age",
    ),
    RuleInfo(
        "R11.3",
        "统一社会信用代码",
        "E",
        None,
        None,
        "统一社会信用代码（GB 32100-2015）：18 位，字符集 0-9A-HJ-NPQRTUWXY（不用 I、O、Z、S、V），"
        "第 3–8 位为行政区划码，第 18 位校验码：权重 3^(i-1) mod 31，校验值 = 31 − 和 mod 31，31 记为 0。"
        "第 1–2 位表示登记管理部门和机构类别（91 企业、92 个体工商户、52 民办非企业单位等）。",
        _R + "identity.check_uscc",
    ),
)

_BY_ID: Final[dict[str, RuleInfo]] = {info.id: info for info in RULES}


def rule(rule_id: str) -> RuleInfo:
    """The rule with this ID (``KeyError`` if there is none)."""
    return _BY_ID[rule_id]
