"""What the batch audit checks: the cross-claim rules of docs/rules.md it applies city-wide, and its own
audit rules A1–A6 (documented in docs/audit-rules.md), with A7, what a process-supervision visit
finds (apps.inspections), A8, a trainee's dispute of what is claimed for them
(apps.confirmations), and A9, the social-insurance check of enterprises' claims
(apps.insurance). Each finding's message is built here from the figures recorded, in the engine's
own words where the engine has a rule for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any, Final

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core import dates
from apps.rules import rule as engine_rule
from apps.rules.figures import figures_on
from apps.rules.high_skill import check_high_skill_base
from apps.rules.limits import (
    HistoryEntry,
    check_lower_level_after_higher,
    check_no_overlap_with_work_for_training,
    check_per_year_limit,
    check_same_level_once,
    describe,
)


@dataclass(frozen=True)
class AuditRule:
    id: str
    title: str
    severity: str
    #: How the batch audit applies it, in Chinese; a figure of the rules is written ``{f.<name>}``
    #: and filled in from the parameters in force (apps.rules.figures), never typed.
    wording: str

    @property
    def reading(self) -> str:
        """The wording with the rules' figures in force today."""
        return self.wording.format(f=figures_on(dates.today()))

    @property
    def url(self) -> str:
        """R rules link to the rules page, audit rules to the audit rules page (anchors are the IDs)."""
        return f"/rules/#{self.id}" if self.id.startswith("R") else f"/audits/rules/#{self.id}"


def _engine(rule_id: str, reading: str) -> AuditRule:
    info = engine_rule(rule_id)
    return AuditRule(rule_id, info.title, info.severity or "W", reading)


# Who counts as a trainee's "same training": the lines of one apprenticeship (the advance at
# opening, then the completion or early end) are one training, not two.
SAME_TRAINING = "同一企业同一学徒同一开始日期的学徒制各阶段申领视为一次培训。"

RULES: Final[tuple[AuditRule, ...]] = (
    _engine(
        "R10.1",
        "全市跨区县、跨申领类型统计同一人在同一自然年（培训结束日期所在年）的补贴性培训，以工代训不计；"
        "待审核和已通过的明细计入，不予补贴的明细和被驳回的申领不计。按申报先后排序，超过上限"
        "（该明细所属区县在结束日期当天适用的上限，默认 {f.per_year_limit} 次）的明细为疑点。"
        + SAME_TRAINING,
    ),
    _engine(
        "R10.2",
        "同一人同一职业（工种）同一等级（专项职业能力按职业编码）的第二次及以后的补贴性培训为疑点，"
        "关联第一次。" + SAME_TRAINING,
    ),
    _engine(
        "R10.3",
        "同一人同一职业（工种）在更高等级的培训开始之后又申领较低等级的，较低等级的明细为提示。",
    ),
    _engine(
        "R3.4",
        "以工代训按明细申领的各个月份（两个申领月份之间未申领的月份不算）与同一人其他补贴性培训的日期"
        "比较，重叠的，两条中后申报的一条为疑点，关联先申报的一条；一条明细有几个月份重叠的只记一个疑点。"
        "没有月份记录的早期明细按其起止日期比较。",
    ),
    _engine(
        "R6.1",
        "每个已结束的自然年分别判断：国家级、市级高技能人才培训基地当年高级工及以上（三级至一级）"
        "在册学员人次低于 {f.high_skill_base_national_target}、{f.high_skill_base_municipal_target} 的，"
        "为提示；从基地第一个开班年度起算。",
    ),
    AuditRule(
        "A1",
        "同一人同时段在两个班级上课",
        "W",
        "同一人在两个班级的课程安排（线下或直播，录播除外）在同一天时间重叠的，后申报的明细为疑点，"
        "关联另一班级的明细。",
    ),
    AuditRule(
        "A2",
        "多名学员同一秒签到",
        "W",
        "同一课次有 5 名及以上学员的签到时间精确到秒完全相同的，这些学员的明细为疑点（疑似批量代签）。"
        "只核查线上平台导出的签到记录（精确到秒）；学员签到表（只记到分钟）和手工录入的签到不适用本规则。",
    ),
    AuditRule(
        "A3",
        "同一人同时在两处签到",
        "E",
        "同一人在两个班级课次的签到至签退时段重叠（未签退的按签到时刻计）的，后申报的明细为疑点；"
        "录播课次除外。",
    ),
    AuditRule(
        "A4",
        "申领课时超过培训计划",
        "W",
        "明细申领的实到课时（线下加线上）超过审核通过的班级课程安排课时合计"
        "（每课次分钟数 ÷ {f.class_hour_minutes} 取整后相加）的，为疑点。",
    ),
    AuditRule(
        "A5",
        "培训机构超出年度培训计划额度",
        "W",
        "培训机构某年度（培训结束日期所在年）申领结业补贴的人次超过其年度培训计划额度（人次）的，"
        "按申报先后，超出额度的明细为疑点；未设定该年度计划的不检查。",
    ),
    AuditRule(
        "A6",
        "超出应享受金额记账",
        "E",
        "只看已记账的明细（审核通过的申领和已拨付的申领中审核通过的明细），全市跨区县、跨年度、跨申领："
        "（一）同一人同一培训（同一报名的结业补贴或生活费补贴、同一企业同一开始日期的学徒制各阶段、"
        "同一企业同一职业等级和起止日期的职工培训）按明细先后累计的记账金额，超过这些明细中最小的"
        "应享受金额的（如开班预拨加结业清算超过应享受金额、同一班级结业补贴记账两次），该明细为疑点，"
        "关联该培训的第一条明细；（二）同一人同一以工代训月份被两条明细记账的（两家企业，或同一企业的"
        "历史数据），后记账的明细为疑点，关联先记账的一条。已拨付申领的明细也写入疑点，作为追回的依据。",
    ),
    AuditRule(
        "A7",
        "过程监管发现缺勤",
        "E",
        "过程监管现场检查（抽查的课次）记录的在场人数少于该课次的签到人数的，为班级疑点；"
        "检查人员核对花名册时看到缺席、却有该课次签到记录的学员，其在该班级的申领明细为疑点。"
        "检查人员的记录即为依据，疑点记为已确认，在区县经办人员重新打开并排除之前不能审核通过；"
        "检查时尚未申领的，在申领提交时写入。",
    ),
    AuditRule(
        "A8",
        "学员对申领有异议",
        "E",
        "申领提交后，门户向申领明细中的学员发送一次性确认链接和确认码；学员核对其签到课次和为其申领的补贴，"
        "表示有异议的（如未参加所列课次、未参加培训），其在该申领中的明细为疑点，载明学员指出的课次和理由。"
        "学员本人的陈述即为依据，疑点记为已确认，在区县经办人员核实、重新打开并排除之前不能审核通过。",
    ),
    AuditRule(
        "A9",
        "职工未在申领企业参保",
        "E",
        "企业职工培训直补和以工代训申领的明细，按区县导入的社保参保名单核验：申领的月份（以工代训为申领月份，"
        "职工培训为开始至结束的各月）中，名单已覆盖（该区县有导入）而该职工不在申领企业（统一社会信用代码）"
        "参保的月份，为疑点，载明月份。名单未覆盖的月份不核验；名单补充导入后重新核验，疑点随之更新或消除。",
    ),
)
BY_ID: Final[dict[str, AuditRule]] = {r.id: r for r in RULES}
RULE_CHOICES: Final[list[tuple[str, str]]] = [(r.id, f"{r.id} {r.title}") for r in RULES]


def rule_of(rule_id: str) -> AuditRule:
    return BY_ID[rule_id]


# Messages ----------------------------------------------------------------------------------------


def _record(data: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        kind=data.get("kind") or "class",
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        occupation_code=data.get("occupation"),
        level=data.get("level"),
    )


def local_time(value: str | None) -> str:
    """A timestamp the SQL recorded (UTC, in either database's text form) in Chongqing time."""
    if not value:
        return "—"
    moment = parse_datetime(value.replace("T", " "))
    if moment is None:
        return value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _message_r10_1(d: dict[str, Any]) -> str:
    finding = check_per_year_limit(year=d["year"], earlier=d["nth"] - 1, limit=d["limit"])
    text = finding.message if finding else ""
    return f"{text}；该年度共 {d['count']} 次"


def _message_r10_2(d: dict[str, Any]) -> str:
    finding = check_same_level_once(
        occupation_code=d["occupation"], level=d["level"], history=[_record(d["other"])]
    )
    return finding.message if finding else ""


def _message_r10_3(d: dict[str, Any]) -> str:
    finding = check_lower_level_after_higher(
        occupation_code=d["occupation"], level=d["level"], history=[_record(d["other"])]
    )
    return finding.message if finding else ""


def _message_r3_4(d: dict[str, Any]) -> str:
    mine, other = _record(d["mine"]), _record(d["other"])
    if mine.kind == "work_for_training":
        return (
            f"以工代训月份 {mine.start.isoformat()} 至 {mine.end.isoformat()} "
            f"与先申报的{describe(other)}重叠，以工代训期间不能同时参加其他补贴性培训 (R3.4)"
        )
    finding = check_no_overlap_with_work_for_training(start=mine.start, end=mine.end, history=[other])
    return finding.message if finding else ""


def _message_r6_1(d: dict[str, Any]) -> str:
    finding = check_high_skill_base(
        tier=d["tier"], person_times_by_year=[d["person_times"]], on=date(d["year"], 12, 31)
    )
    text = finding.message if finding else ""
    return f"{d['year']} 年：{text}"


def _message_a1(d: dict[str, Any]) -> str:
    return (
        f"{d['date']} 本班课次 {d['time'][:5]}–{d['time_end'][:5]} 与另一班级（#{d['other_class']}）课次 "
        f"{d['other_time'][:5]}–{d['other_time_end'][:5]} 时间重叠，同一人不能同时在两个班级上课 (A1)"
    )


def _message_a2(d: dict[str, Any]) -> str:
    more = f"；共 {d['sessions']} 个课次有此情况" if d.get("sessions", 1) > 1 else ""
    at = local_time(d["at"])
    return f"课次 #{d['session']} 有 {d['count']} 名学员在同一秒（{at}）签到，疑似批量代签{more} (A2)"


def _message_a3(d: dict[str, Any]) -> str:
    return (
        f"{local_time(d['at'])} 该学员在本班课次 #{d['session']} 签到期间，"
        f"又在另一班级（#{d['other_class']}）课次 #{d['other_session']} 签到 (A3)"
    )


def _message_a4(d: dict[str, Any]) -> str:
    return f"申领实到 {d['claimed']} 课时，超过审核通过的课程安排合计 {d['planned']} 课时 (A4)"


def _message_a5(d: dict[str, Any]) -> str:
    return (
        f"{d['year']} 年度培训计划额度 {d['quota']} 人次，已申领 {d['count']} 人次，"
        f"本条为第 {d['nth']} 人次，超出额度 (A5)"
    )


def _message_a6(d: dict[str, Any]) -> str:
    if "month" in d:
        return (
            f"以工代训 {d['month'][:7]} 月已由另一条明细记账（用人单位 #{d['other_employer']}），"
            f"本条（用人单位 #{d['employer']}）再次记账，同一人同一月份只能享受一次 (A6)"
        )
    return (
        f"同一培训已记账 {d['lines']} 条明细，合计 {d['booked']} 元，"
        f"超过应享受金额 {d['entitlement']} 元 (A6)"
    )


def _message_a7(d: dict[str, Any]) -> str:
    when = f"{d['date']} {d['time']} 课次 #{d['session']}"
    if d.get("kind") == "class":
        named = (
            f"，其中 {d['absent_signed_in']} 名有签到记录的学员被核对为缺席" if d["absent_signed_in"] else ""
        )
        return (
            f"过程监管检查 #{d['inspection']}：{when}现场在场 {d['head_count']} 人，"
            f"签到 {d['signed_in']} 人{named} (A7)"
        )
    return f"过程监管检查 #{d['inspection']}：{when}该学员有签到记录，检查时核对为缺席 (A7)"


def _message_a8(d: dict[str, Any]) -> str:
    sessions = d.get("sessions") or []
    named = f"，称未参加 {len(sessions)} 个课次（{'、'.join(sessions)}）" if sessions else ""
    return f"学员确认 #{d['confirmation']}：学员对申领 #{d['claim']} 有异议{named}；理由：{d['reason']} (A8)"


def _message_a9(d: dict[str, Any]) -> str:
    return f"社保核验：该职工 {'、'.join(d['months'])} 未在 {d['employer']}（{d['uscc']}）参保 (A9)"


MESSAGES = {
    "R10.1": _message_r10_1,
    "R10.2": _message_r10_2,
    "R10.3": _message_r10_3,
    "R3.4": _message_r3_4,
    "R6.1": _message_r6_1,
    "A1": _message_a1,
    "A2": _message_a2,
    "A3": _message_a3,
    "A4": _message_a4,
    "A5": _message_a5,
    "A6": _message_a6,
    "A7": _message_a7,
    "A8": _message_a8,
    "A9": _message_a9,
}


def message(rule_id: str, details: dict[str, Any]) -> str:
    """The finding in plain Chinese, from the figures the check recorded."""
    try:
        return MESSAGES[rule_id](details)
    except (KeyError, TypeError, ValueError):
        # A finding written by an older version of the checks: say what it is, not crash a page.
        return f"{rule_of(rule_id).title} ({rule_id})" if rule_id in BY_ID else rule_id
