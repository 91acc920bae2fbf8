"""Class applications: create and edit drafts, and move them through one lifecycle table.

    draft → submitted → approved | returned | rejected;  returned → submitted;
    approved → running → completed → closed

The table is `LIFECYCLE` (apps.core.lifecycle); every move goes through `class_transition`, which
locks the row, checks who may make it, and writes the state-change log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import Occupation
from apps.catalog.selectors import rate_row_in_force
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Guard, Lifecycle, Transition, Who, move, register
from apps.core.services import state_change_record
from apps.institutions.models import Institution, InstitutionKind, InstitutionOccupation, InstitutionYear
from apps.institutions.selectors import institution_can_run_classes
from apps.institutions.services import institution_users, pre_review_record
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules import RULES_VERSION
from apps.rules.figures import figures_on
from apps.rules.high_skill import check_district_school_level

from .engine import SessionInput, class_quote, policy_version
from .models import ClassSession, ClassStatus, SessionMode, TrainingClass
from .permissions import is_class_operator, is_class_reviewer, is_engaged_class_reviewer

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClassStatus


EDITABLE = (S.DRAFT, S.RETURNED)
# What must hold before a running class is completed, each raising ApplicationError when it does
# not. The apps that hold what is checked append to it in their AppConfig.ready(): trainees (every
# trainee has a result) sits to the right of classes, which may not import it (design.md, Layout).
COMPLETION_CHECKS: list[Callable[[TrainingClass], None]] = []


CLASS_FIELDS = (
    "name",
    "occupation",
    "level",
    "training_type",
    "organisation_mode",
    "schedule_pattern",
    "start_date",
    "end_date",
    "venue",
    "teachers",
    "planned_trainees",
)


def _check_sessions(sessions: list[SessionInput], *, start: date, end: date) -> None:
    if not sessions:
        raise ApplicationError("请至少安排一次课程", field="sessions")
    for number, session in enumerate(sessions, start=1):
        if session.mode not in SessionMode.values:
            raise ApplicationError(f"第 {number} 次课：方式“{session.mode}”无效", field="sessions")
        if session.end_time <= session.start_time:
            raise ApplicationError(f"第 {number} 次课：结束时间须晚于开始时间", field="sessions")
        if not start <= session.date <= end:
            raise ApplicationError(
                f"第 {number} 次课：日期 {session.date} 不在培训期间 {start} 至 {end} 内", field="sessions"
            )


def _write(training_class: TrainingClass, values: dict[str, Any], sessions: list[SessionInput]) -> None:
    for name in CLASS_FIELDS:
        setattr(training_class, name, values[name])
    if training_class.end_date < training_class.start_date:
        raise ApplicationError("结业日期不能早于开班日期", field="end_date")
    if training_class.planned_trainees <= 0:
        raise ApplicationError("计划人数须大于 0", field="planned_trainees")
    _check_sessions(sessions, start=training_class.start_date, end=training_class.end_date)
    training_class.full_clean(exclude=["institution", "district", "occupation"])
    training_class.save()
    training_class.sessions.all().delete()
    ClassSession.objects.bulk_create(
        ClassSession(training_class=training_class, **session.__dict__) for session in sessions
    )


@transaction.atomic
def class_create(
    *, actor: User, institution: Institution, values: dict[str, Any], sessions: list[SessionInput]
) -> TrainingClass:
    """A draft class application of `institution`, by one of its operators."""
    if actor.role != Role.INSTITUTION_OPERATOR or not institution.members.filter(pk=actor.pk).exists():
        raise ApplicationError("只有本机构的经办人可以填报开班申请")
    training_class = TrainingClass(institution=institution, district_id=institution.district_id)
    _write(training_class, values, sessions)
    state_change_record(
        obj=training_class, actor=actor, from_state="", to_state=S.DRAFT, reason="创建开班申请"
    )
    return training_class


def _shown(training_class: TrainingClass, name: str) -> str:
    """A field of the application as the class page shows it."""
    if name == "occupation":
        occupation = training_class.occupation
        return f"{occupation.code} {occupation.name}"
    if name == "level":
        return training_class.level_label
    value = getattr(training_class, name)
    display = getattr(training_class, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    return value.isoformat() if isinstance(value, date) else str(value)


def _session_text(session: Any) -> str:
    mode = SessionMode(session.mode).label if session.mode in SessionMode.values else session.mode
    text = f"{session.date.isoformat()} {session.start_time:%H:%M}–{session.end_time:%H:%M} {mode}"
    return f"{text} {session.topic}".strip()


def _described(training_class: TrainingClass) -> tuple[dict[str, str], dict[str, str]]:
    """The application's fields and sessions as shown, the sessions keyed by their start."""
    fields = {name: _shown(training_class, name) for name in CLASS_FIELDS}
    sessions = {
        f"{session.date.isoformat()} {session.start_time:%H:%M}": _session_text(session)
        for session in training_class.sessions.order_by("date", "start_time", "pk")
    }
    return fields, sessions


def class_changes(
    before: tuple[dict[str, str], dict[str, str]], after: tuple[dict[str, str], dict[str, str]]
) -> dict[str, Any]:
    """What an edit changed, for the log: each field before → after (by its label), and the
    sessions added, removed and changed (a session at the same start with other details)."""
    fields = {
        str(getattr(TrainingClass._meta.get_field(name), "verbose_name", name)): [
            before[0][name],
            after[0][name],
        ]
        for name in CLASS_FIELDS
        if before[0][name] != after[0][name]
    }
    old, new = before[1], after[1]
    sessions = {
        "added": [new[key] for key in new if key not in old],
        "removed": [old[key] for key in old if key not in new],
        "changed": [[old[key], new[key]] for key in new if key in old and old[key] != new[key]],
    }
    changes: dict[str, Any] = {}
    if fields:
        changes["fields"] = fields
    if any(sessions.values()):
        changes["sessions"] = {key: value for key, value in sessions.items() if value}
    return changes or {"unchanged": True}


@transaction.atomic
def class_update(
    *, actor: User, training_class: TrainingClass, values: dict[str, Any], sessions: list[SessionInput]
) -> TrainingClass:
    """Edit a draft or a returned application; nothing else may change."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if not is_class_operator(actor, training_class):
        raise ApplicationError("只有本机构的经办人可以修改开班申请")
    if training_class.status not in EDITABLE:
        raise ApplicationError(f"{training_class.get_status_display()}的开班申请不能修改")
    before = _described(training_class)
    _write(training_class, values, sessions)
    state_change_record(
        obj=training_class,
        actor=actor,
        from_state=training_class.status,
        to_state=training_class.status,
        reason="修改开班申请",
        changes=class_changes(before, _described(training_class)),
    )
    return training_class


@transaction.atomic
def class_recommend(
    *, training_class: TrainingClass, actor: User, text: str, verdict: str, rule: str = ""
) -> TrainingClass:
    """A third-party agency's pre-review of a submitted application (R7.1): a verdict (approve,
    return, reject), the rule it rests on (required to advise rejecting) and a written reason,
    recorded and logged for the district's officer, never a decision."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if not is_engaged_class_reviewer(actor, training_class):
        raise ApplicationError("只有受本区县委托的第三方社会机构可以提出审核意见 (R7.1)")
    if training_class.status != S.SUBMITTED:
        raise ApplicationError(
            f"开班申请状态为“{training_class.get_status_display()}”，提交后才能提出审核意见", field="status"
        )
    pre_review_record(training_class, actor=actor, verdict=verdict, rule=rule, text=text)
    return training_class


def class_plan_findings(*, training_class: TrainingClass, on: date) -> list[dict[str, str]]:
    """Everything that stops or flags the plan on `on`. Errors (E) block submission; the
    online share (R2.3, O) is recorded for the officer, who may override it with a reason."""
    findings: list[dict[str, str]] = []
    institution = training_class.institution
    allowed, why = institution_can_run_classes(institution)
    if not allowed:
        findings.append({"rule": "R4.1", "severity": "E", "message": why})
    recognised = InstitutionOccupation.objects.filter(
        institution=institution, occupation=training_class.occupation, level=training_class.level
    ).exists()
    if institution.kind == InstitutionKind.DISTRICT_PRIVATE_SCHOOL:
        finding = check_district_school_level(level=training_class.level, recognised=recognised)
        if finding is not None:
            findings.append({"rule": finding.rule, "severity": finding.severity, "message": finding.message})
    level = training_class.level_label
    if not recognised and not any(f["rule"] == "R6.2" for f in findings):
        findings.append(
            {
                "rule": "R4.1",
                "severity": "E",
                "message": f"本机构未经认定开展 {training_class.occupation} {level} 培训",
            }
        )
    row = rate_row_in_force(
        district=training_class.district,
        occupation=training_class.occupation,
        level=training_class.level,
        on=on,
    )
    if row is None:
        findings.append(
            {
                "rule": "R1.6",
                "severity": "E",
                "message": f"{training_class.district} {on} 没有 {training_class.occupation} "
                f"{training_class.level_label} 的补贴标准，请联系区县人力社保局",
            }
        )
        return findings
    sessions = list(training_class.sessions.all())
    result = class_quote(training_class=training_class, sessions=sessions, rate_row=row, on=on)
    assert result is not None, "a class with a rate row is quoted"
    for finding in result.per_trainee.findings:
        findings.append({"rule": finding.rule, "severity": finding.severity, "message": finding.message})
    if result.online_finding is not None and not any(f["rule"] == "R2.3" for f in findings):
        f = result.online_finding
        findings.append({"rule": f.rule, "severity": f.severity, "message": f.message})
    return findings


def _blocking(findings: list[dict[str, str]]) -> list[dict[str, str]]:
    # An E on the planned online hours above 30 % (R2.5) only trims pay; it does not block a plan.
    return [f for f in findings if f["severity"] == "E" and f["rule"] != "R2.5"]


def _ended(training_class: TrainingClass, actor: User, context: Mapping[str, Any]) -> ApplicationError | None:
    today = context.get("on") or dates.today()
    if today >= training_class.end_date:
        return None
    return ApplicationError(
        f"本班计划 {training_class.end_date:%Y-%m-%d} 结束，今天是 {today:%Y-%m-%d}，"
        "培训结束日期之前不能结业",
        field="status",
    )


def _completion_checks(
    training_class: TrainingClass, actor: User, context: Mapping[str, Any]
) -> ApplicationError | None:
    for check in COMPLETION_CHECKS:
        check(training_class)  # raises its own refusal
    return None


_TO_INSTITUTION = "机构经办人"

# The class application lifecycle. The institution's operators submit, open and complete; the
# officers of the class's district and the municipal admin decide and close.
LIFECYCLE: Lifecycle[TrainingClass] = register(
    Lifecycle(
        name="开班申请",
        model=TrainingClass,
        states=S,
        transitions=(
            Transition(
                S.DRAFT,
                S.SUBMITTED,
                "提交",
                "operator",
                notice="区县经办人员",
                does="按计划校验（E 级问题不能提交）",
            ),
            Transition(
                S.RETURNED,
                S.SUBMITTED,
                "重新提交",
                "operator",
                notice="区县经办人员",
                does="按计划校验（E 级问题不能提交）",
            ),
            Transition(
                S.SUBMITTED,
                S.APPROVED,
                "审核通过",
                "reviewer",
                notice=_TO_INSTITUTION,
                does="审核日再校验；不得超出机构年度培训计划；计划线上课时超过 R2.3 的比例须填审核意见；"
                "锁定费率和版本 (R9.2)",
            ),
            Transition(S.SUBMITTED, S.RETURNED, "退回修改", "reviewer", True, notice=_TO_INSTITUTION),
            Transition(S.SUBMITTED, S.REJECTED, "驳回", "reviewer", True, notice=_TO_INSTITUTION),
            Transition(S.APPROVED, S.RUNNING, "开班", "operator"),
            Transition(
                S.RUNNING,
                S.COMPLETED,
                "结业",
                "operator",
                guards=(
                    Guard("培训结束日期已到", _ended),
                    Guard("结业前的检查（每名学员都有考核结果）", _completion_checks),
                ),
            ),
            Transition(S.COMPLETED, S.CLOSED, "关闭", "reviewer", notice=_TO_INSTITUTION),
        ),
        roles={
            "operator": Who("本机构经办人", is_class_operator),
            "reviewer": Who("本区县经办人员或市级管理员", is_class_reviewer),
        },
        lock_row=lambda training_class: (
            TrainingClass.objects.select_for_update()
            .select_related("institution", "district", "occupation")
            .get(pk=training_class.pk)
        ),
        description="机构填报开班申请，区县审核；通过后开班、结业，区县关闭。",
    )
)
TRANSITIONS = LIFECYCLE.table


def class_transition(
    *,
    training_class: TrainingClass,
    actor: User,
    to: str,
    reason: str = "",
    online_override_reason: str = "",
    on: date | None = None,
) -> TrainingClass:
    """Move a class along the lifecycle table; the one place its status changes."""
    day = on or timezone.localdate()
    override = online_override_reason.strip()
    told = reason.strip() or override

    def work(training_class: TrainingClass, step: Transition) -> None:
        if to == S.SUBMITTED:
            _submit(training_class, day)
        elif to == S.APPROVED:
            _approve(training_class, day, override)

    return move(
        LIFECYCLE,
        training_class,
        actor=actor,
        to=to,
        reason=reason,
        context={"on": on},
        before_save=work,
        log_reason=told,
        after_save=lambda moved, step: _notify(moved, actor, step, told),
    )


def _notify(training_class: TrainingClass, actor: User, transition: Transition, reason: str) -> None:
    """A reviewer's decision reaches the institution's operators; a submission, the district's
    officers. Opening and completing are the institution's own moves, told to nobody."""
    if transition.who == "reviewer":
        recipients: Any = institution_users(training_class.institution)
    elif training_class.status == S.SUBMITTED:
        recipients = district_officers(district_id=training_class.district_id)
    else:
        return
    notify(
        recipients=recipients,
        kind=f"class_{training_class.status}",
        title=f"开班申请“{training_class.name}”（#{training_class.pk}）{transition.label}",
        body=f"{'原因' if transition.reason_required else '审核意见'}：{reason}" if reason else "",
        link=reverse("classes:detail", args=[training_class.pk]),
        exclude=actor,
    )


def _submit(training_class: TrainingClass, day: date) -> None:
    findings = class_plan_findings(training_class=training_class, on=day)
    blocking = _blocking(findings)
    if blocking:
        raise ApplicationError(
            "；".join(f["message"] for f in blocking), rule=blocking[0]["rule"], extra={"findings": blocking}
        )
    training_class.findings = findings
    training_class.has_findings = bool(findings)
    training_class.submitted_at = timezone.now()


# The classes that count against an institution's training plan once approved.
PLANNED = (S.APPROVED, S.RUNNING, S.COMPLETED, S.CLOSED)


def _within_plan(training_class: TrainingClass) -> None:
    """The institution's training plan of the class's year (its end date's, as audit rule A5
    counts), if one is entered: the approved classes' planned trainees plus this class's may not
    exceed it. The plan's row is locked, so two approvals at once cannot both squeeze in."""
    year = training_class.end_date.year
    plan = (
        InstitutionYear.objects.select_for_update()
        .filter(institution_id=training_class.institution_id, year=year)
        .first()
    )
    if plan is None:
        return
    approved = TrainingClass.objects.filter(
        institution_id=training_class.institution_id, end_date__year=year, status__in=PLANNED
    ).exclude(pk=training_class.pk)
    count, planned = approved.count(), sum(approved.values_list("planned_trainees", flat=True))
    if planned + training_class.planned_trainees > plan.plan_quota:
        raise ApplicationError(
            f"超出培训计划：{training_class.institution.name} {year} 年培训计划额度 {plan.plan_quota} 人次，"
            f"已批准开班 {count} 个、计划 {planned} 人次，本班计划 {training_class.planned_trainees} 人次，"
            f"合计 {planned + training_class.planned_trainees} 人次。"
            "请核减本班计划人数或调整该机构的年度培训计划",
            field="planned_trainees",
            extra={"plan": plan.plan_quota, "approved": planned, "classes": count},
        )


def _approve(training_class: TrainingClass, day: date, override: str) -> None:
    """Check again on the approval day, hold it to the institution's training plan, and copy the
    rate row, policy and rules versions (R9.2)."""
    _within_plan(training_class)
    findings = class_plan_findings(training_class=training_class, on=day)
    blocking = _blocking(findings)
    if blocking:
        raise ApplicationError("；".join(f["message"] for f in blocking), rule=blocking[0]["rule"])
    if any(f["rule"] == "R2.3" for f in findings) and not override:
        raise ApplicationError(
            f"计划线上课时超过总课时的 {figures_on(day).online_share}，原则上不予通过；"
            "如确需通过，请填写审核意见 (R2.3)",
            rule="R2.3",
            field="online_override_reason",
        )
    row = rate_row_in_force(
        district=training_class.district,
        occupation=training_class.occupation,
        level=training_class.level,
        on=day,
    )
    assert row is not None, "without a rate row the plan has an E finding (R1.6) and is not approved"
    training_class.findings = findings
    training_class.has_findings = bool(findings)
    training_class.online_override_reason = override
    training_class.approved_on = day
    training_class.rate_row = row
    training_class.standard = row.standard
    training_class.rate = row.rate
    training_class.class_hours = row.class_hours
    training_class.online_rate = row.online_rate
    training_class.policy_version = policy_version(day)
    training_class.rules_version = RULES_VERSION


def occupations_for(institution: Institution) -> Any:
    """The occupations the institution is recognised for, for the application form."""
    return Occupation.objects.filter(
        pk__in=InstitutionOccupation.objects.filter(institution=institution).values("occupation")
    )
