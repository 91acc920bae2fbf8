"""Subsidy claims: build their lines with the rules engine, check them against the class they
claim for, and move them through one lifecycle table.

    draft → submitted → under_review → approved | returned | rejected;  returned → submitted;
    submitted → returned | rejected;  approved → paid

`approved` and `paid` are reached only through apps.ledger, which books the special account in
the same transaction (`claim_mark_for_ledger`). Nobody types an amount: every line is quoted.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import Occupation, level_label
from apps.catalog.rules_bridge import district_settings_for
from apps.catalog.selectors import rate_row_in_force
from apps.classes.models import ClassStatus, TrainingClass, TrainingType
from apps.classes.quoting import planned_hours
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.institutions.models import Employer
from apps.rules import RULES_VERSION, ScenarioError
from apps.rules.enterprise import MATERIALS, TRAINEE_RELATIONS, check_enterprise_trainee
from apps.rules.hours import class_hours_from_minutes
from apps.rules.money import days_text, yuan
from apps.rules.parameters import params_on
from apps.rules.special_account import check_real_name, living_allowance
from apps.trainees.models import EnrolmentStatus, Outcome, Person, TargetGroup
from apps.trainees.services_persons import person_register_or_get

from .computation import Computed, compute, compute_advance, compute_after_advance, histories_for
from .materials import check_upload
from .models import (
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimMaterial,
    ClaimStatus,
    LineDecision,
    MaterialKind,
    Share,
)

S = ClaimStatus
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Transition:
    actor: str  # "claimant" | "officer"
    needs_reason: bool
    label: str


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, S.SUBMITTED): Transition("claimant", False, "提交"),
    (S.RETURNED, S.SUBMITTED): Transition("claimant", False, "重新提交"),
    (S.SUBMITTED, S.UNDER_REVIEW): Transition("officer", False, "开始审核"),
    (S.SUBMITTED, S.RETURNED): Transition("officer", True, "退回修改"),
    (S.UNDER_REVIEW, S.RETURNED): Transition("officer", True, "退回修改"),
    (S.SUBMITTED, S.REJECTED): Transition("officer", True, "驳回"),
    (S.UNDER_REVIEW, S.REJECTED): Transition("officer", True, "驳回"),
}
# Booked by apps.ledger in the same transaction as the ledger entries or the payment.
LEDGER_TRANSITIONS = {(S.UNDER_REVIEW, S.APPROVED): "审核通过", (S.APPROVED, S.PAID): "拨付"}
EDITABLE = (S.DRAFT, S.RETURNED)


# ---------------------------------------------------------------- who may act


def is_claimant(user: Any, claim: Claim) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if claim.institution_id and user.role == Role.INSTITUTION_OPERATOR:
        return claim.institution.members.filter(pk=user.pk).exists()
    if claim.employer_id and user.role == Role.ENTERPRISE_FILER:
        return claim.employer.members.filter(pk=user.pk).exists()
    return False


def is_claim_officer(user: Any, claim: Claim) -> bool:
    """Final decisions: the district's officers and the municipal admin; never a third party (R7.1)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.MUNICIPAL_ADMIN:
        return True
    return user.role == Role.DISTRICT_OFFICER and user.district_id == claim.district_id


def is_engaged_reviewer(user: Any, claim: Claim) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.THIRD_PARTY_REVIEWER
        and user.engaged_districts.filter(pk=claim.district_id).exists()
    )


# ---------------------------------------------------------------- lines


def _store(line: ClaimLine, computed: Computed) -> None:
    line.amount = computed.amount
    line.steps = computed.steps
    line.findings = computed.findings
    line.rules_version = computed.rules_version


def _recount(claim: Claim) -> None:
    totals = claim.lines.aggregate(total=Sum("amount"))
    approved = claim.lines.filter(decision=LineDecision.APPROVED).aggregate(total=Sum("amount"))
    claim.total = totals["total"] or ZERO
    claim.approved_total = approved["total"] or ZERO
    claim.save(update_fields=["total", "approved_total", "updated_at"])


def _quote(inputs: dict[str, Any], *, claim: Claim, on: date) -> Computed:
    try:
        return compute(inputs, district=claim.district, on=on)
    except ScenarioError as exc:
        raise ApplicationError(f"测算输入有误：{exc.message}", field=exc.field) from exc


def _material_kinds(claim: Claim) -> list[str]:
    """The R4.3 materials on file (the kinds the engine knows; "other" proves nothing)."""
    return sorted(set(claim.materials.values_list("kind", flat=True)) & set(MATERIALS))


# ---------------------------------------------------------------- class completion claims


def _class_snapshot(training_class: TrainingClass) -> dict[str, Any]:
    enrolments = training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).order_by("pk")
    return {
        "occupation": training_class.occupation.code,
        "level": training_class.level,
        "standard": str(training_class.standard),
        "rate": str(training_class.rate),
        "class_hours": training_class.class_hours,
        "online_rate": str(training_class.online_rate),
        "start": training_class.start_date.isoformat(),
        "end": training_class.end_date.isoformat(),
        "approved_on": training_class.approved_on.isoformat() if training_class.approved_on else None,
        "trainees": list(enrolments.values_list("person_id", flat=True)),
    }


SNAPSHOT_LABELS = {
    "occupation": "职业（工种）",
    "level": "等级",
    "standard": "补贴标准 S",
    "rate": "日补贴标准 r",
    "class_hours": "课时 H",
    "online_rate": "线上日补贴标准",
    "start": "开班日期",
    "end": "结业日期",
    "approved_on": "审核通过日期",
    "trainees": "学员名单",
}


def claim_data_lock(claim: Claim) -> list[str]:
    """What no longer matches the approved class the claim was made for (data lock): each
    difference in words. Empty when the claim still matches."""
    if claim.kind not in CLASS_CLAIMS or claim.training_class_id is None:
        return []
    training_class = TrainingClass.objects.select_related("occupation").get(pk=claim.training_class_id)
    now = _class_snapshot(training_class)
    differences = []
    if training_class.status not in (ClassStatus.COMPLETED, ClassStatus.CLOSED):
        differences.append(f"班级状态为“{training_class.get_status_display()}”，不是已结业")
    for key, label in SNAPSHOT_LABELS.items():
        before, after = claim.class_snapshot.get(key), now.get(key)
        if before != after:
            if key == "trainees":
                # A snapshot without its trainees (a claim made before they were recorded) has none.
                before, after = set(before or ()), set(after or ())
                added, removed = after - before, before - after
                differences.append(f"{label}已变化：新增 {len(added)} 人，减少 {len(removed)} 人")
            else:
                differences.append(f"{label}由 {before} 变为 {after}")
    return differences


def _attended(training_class: TrainingClass) -> dict[int, dict[str, int]]:
    """Class-hours attended per enrolment, offline and online (R2.1: minutes // 45 per session)."""
    from apps.trainees.models import Attendance

    hours: dict[int, dict[str, int]] = defaultdict(lambda: {"offline": 0, "online": 0})
    rows = Attendance.objects.filter(enrolment__training_class=training_class).values_list(
        "enrolment_id", "minutes", "mode", "session__date"
    )
    for enrolment_id, minutes, mode, day in rows:
        key = "offline" if mode == "offline" else "online"
        hours[enrolment_id][key] += class_hours_from_minutes([minutes], on=day)
    return hours


def _class_inputs(claim: Claim, training_class: TrainingClass) -> list[tuple[Any, dict[str, Any]]]:
    enrolments = list(
        training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED)
        .select_related("person", "result")
        .order_by("pk")
    )
    attended = _attended(training_class)
    sessions = list(training_class.sessions.all())
    planned = planned_hours(sessions, on=training_class.approved_on)
    histories = histories_for([e.person_id for e in enrolments], exclude_claim_id=claim.pk)
    enterprise = training_class.training_type == TrainingType.ENTERPRISE_STAFF
    materials = _material_kinds(claim) if claim.pk else []
    occupation = training_class.occupation
    out = []
    for enrolment in enrolments:
        result = getattr(enrolment, "result", None)
        inputs: dict[str, Any] = {
            "kind": "enterprise" if enterprise else "class",
            "approved_on": training_class.approved_on.isoformat(),
            "start": training_class.start_date.isoformat(),
            "end": training_class.end_date.isoformat(),
            "occupation": {
                "code": occupation.code,
                "category": occupation.major_category,
                "new": occupation.is_new,
            },
            "level": training_class.level,
            "standard": str(training_class.standard),
            "rate": str(training_class.rate),
            "planned_hours": training_class.class_hours,
            "planned_online": planned.online,
            "online_rate": str(training_class.online_rate),
            "attended": attended.get(enrolment.pk, {"offline": 0, "online": 0}),
            "passed": result is not None and result.outcome == Outcome.PASSED,
            "id_number": enrolment.person.id_number,
            "history": histories.get(enrolment.person_id, []),
        }
        if enterprise:
            employer = training_class.institution.employer
            inputs["classified"] = bool(employer and employer.is_classified)
            inputs["materials"] = materials
        out.append((enrolment, inputs))
    return out


@transaction.atomic
def claim_create_for_class(*, actor: Any, training_class: TrainingClass) -> Claim:
    """The completion claim of a completed class: one line per enrolled trainee, quoted from the
    class's approval snapshot (R9.2), their attendance and their result."""
    return _create_class_claim(actor=actor, training_class=training_class, kind=ClaimKind.CLASS_COMPLETION)


def _rebuild_class_lines(claim: Claim, training_class: TrainingClass) -> None:
    claim.lines.all().delete()
    on = training_class.approved_on
    lines = []
    for enrolment, inputs in _class_inputs(claim, training_class):
        line = ClaimLine(
            claim=claim,
            person_id=enrolment.person_id,
            enrolment=enrolment,
            share=Share.TRAINING,
            inputs=inputs,
            start=training_class.start_date,
            end=training_class.end_date,
        )
        _store(line, _quote(inputs, claim=claim, on=on))
        lines.append(line)
    ClaimLine.objects.bulk_create(lines)
    _recount(claim)


@transaction.atomic
def claim_recompute(*, claim: Claim) -> Claim:
    """Quote every line again from the current inputs (draft or returned claims only)."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status not in EDITABLE:
        raise ApplicationError("只有草稿或退回修改的申领可以重新测算")
    if claim.kind in CLASS_CLAIMS:
        training_class = TrainingClass.objects.select_related("institution", "occupation").get(
            pk=claim.training_class_id
        )
        claim.class_snapshot = _class_snapshot(training_class)
        claim.save(update_fields=["class_snapshot", "updated_at"])
        CLASS_CLAIMS[claim.kind][1](claim, training_class)
    else:
        materials = _material_kinds(claim)
        for line in claim.lines.all():
            _requote_line(claim, line, materials)
        _recount(claim)
    return claim


def _requote_line(claim: Claim, line: ClaimLine, materials: list[str]) -> None:
    inputs = dict(line.inputs)
    if claim.kind == ClaimKind.WORK_FOR_TRAINING:
        inputs["history"] = _wft_histories([line.person_id], claim)[line.person_id]
    else:
        inputs["history"] = histories_for([line.person_id], exclude_claim_id=claim.pk)[line.person_id]
    line.inputs = inputs
    on = date.fromisoformat(inputs["start"])
    if claim.kind == ClaimKind.ENTERPRISE_DIRECT:
        inputs["materials"] = materials
        relation = claim.class_snapshot.get("relations", {}).get(str(line.person_id), "")
        computed = _enterprise_quote(inputs, relation, claim=claim)
    elif claim.apprenticeship_stage == "advance":
        computed = compute_advance(inputs, district=claim.district, on=on)
    elif claim.apprenticeship_stage:
        computed = compute_after_advance(
            inputs, _advanced(claim.employer_id, line.person_id), district=claim.district, on=on
        )
    else:
        computed = _quote(inputs, claim=claim, on=on)
    _store(line, computed)
    line.save()


# ---------------------------------------------------------------- 以工代训 and apprenticeship claims


@dataclass(frozen=True)
class WorkerMonths:
    person: Person
    months: list[str]  # "2021-10"


def _month_span(months: list[str]) -> tuple[date, date]:
    first = date.fromisoformat(min(months) + "-01")
    year, month = map(int, max(months).split("-"))
    return first, date(year, month, calendar.monthrange(year, month)[1])


def _wft_histories(person_ids: list[int], claim: Claim) -> dict[int, list[dict[str, Any]]]:
    """R3.4/R3.5: other trainings of every kind, but 以工代训 months only at the same enterprise."""
    histories = histories_for(person_ids, exclude_claim_id=claim.pk)
    same_employer = set(
        ClaimLine.objects.filter(
            person_id__in=person_ids,
            claim__kind=ClaimKind.WORK_FOR_TRAINING,
            claim__employer_id=claim.employer_id,
        ).values_list("start", "end")
    )
    return {
        pid: [
            h
            for h in entries
            if h["kind"] != "work_for_training"
            or (date.fromisoformat(h["start"]), date.fromisoformat(h["end"])) in same_employer
        ]
        for pid, entries in histories.items()
    }


def _require_filer(actor: Any, employer: Employer) -> None:
    if actor.role != Role.ENTERPRISE_FILER or not employer.members.filter(pk=actor.pk).exists():
        raise ApplicationError("只有本企业的申报人可以提交该申领")


@transaction.atomic
def claim_create_work_for_training(
    *, actor: Any, employer: Employer, workers: list[WorkerMonths], year: int
) -> Claim:
    """A 以工代训 claim (R3): workers and the months claimed; no plan or certificate needed."""
    _require_filer(actor, employer)
    if not workers:
        raise ApplicationError("请至少填写一名职工及其申领月份", field="workers")
    claim = Claim.objects.create(
        kind=ClaimKind.WORK_FOR_TRAINING, district_id=employer.district_id, year=year, employer=employer
    )
    histories = _wft_histories([w.person.pk for w in workers], claim)
    lines = []
    for number, worker in enumerate(workers, start=1):
        if not worker.months:
            raise ApplicationError(f"第 {number} 名职工：请填写申领月份", field="workers")
        start, end = _month_span(worker.months)
        inputs = {
            "kind": "work_for_training",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "months": sorted(worker.months),
            "id_number": worker.person.id_number,
            "history": histories[worker.person.pk],
        }
        line = ClaimLine(
            claim=claim,
            person=worker.person,
            share=Share.WORK_FOR_TRAINING,
            inputs=inputs,
            start=start,
            end=end,
        )
        _store(line, _quote(inputs, claim=claim, on=start))
        lines.append(line)
    ClaimLine.objects.bulk_create(lines)
    _recount(claim)
    state_change_record(obj=claim, actor=actor, from_state="", to_state=S.DRAFT, reason="创建以工代训申领")
    return claim


@dataclass(frozen=True)
class Apprentice:
    person: Person
    start: date
    end: date
    planned_months: int
    occupation: dict[str, Any] | None = None
    level: int | None = None
    passed: bool = True
    actual_months: int | None = None
    early_end: str | None = None


def _advanced(employer_id: int | None, person_id: int) -> Decimal:
    """What was advanced at opening for this apprentice at this enterprise (approved lines)."""
    total = ClaimLine.objects.filter(
        person_id=person_id,
        decision=LineDecision.APPROVED,
        claim__employer_id=employer_id,
        claim__kind=ClaimKind.APPRENTICESHIP,
        claim__apprenticeship_stage="advance",
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


@transaction.atomic
def claim_create_apprenticeship(
    *, actor: Any, employer: Employer, stage: str, apprentices: list[Apprentice], year: int
) -> Claim:
    """企业新型学徒制 (R5): the advance at opening (≤ 50 %, R5.5), the completion, or an early end
    pro-rated by the months actually trained (R5.3); the advance is deducted at the end."""
    _require_filer(actor, employer)
    if stage not in {"advance", "completion", "early_end"}:
        raise ApplicationError("申领阶段应为开班预拨、结业清算或提前结束", field="stage")
    if not apprentices:
        raise ApplicationError("请至少填写一名学徒", field="apprentices")
    claim = Claim.objects.create(
        kind=ClaimKind.APPRENTICESHIP,
        district_id=employer.district_id,
        year=year,
        employer=employer,
        apprenticeship_stage=stage,
    )
    histories = histories_for([a.person.pk for a in apprentices], exclude_claim_id=claim.pk)
    lines = []
    for apprentice in apprentices:
        inputs: dict[str, Any] = {
            "kind": "apprenticeship",
            "start": apprentice.start.isoformat(),
            "end": apprentice.end.isoformat(),
            "planned_months": apprentice.planned_months,
            "passed": apprentice.passed if stage != "advance" else True,
            "id_number": apprentice.person.id_number,
            "history": histories[apprentice.person.pk],
        }
        if apprentice.occupation:
            inputs["occupation"] = apprentice.occupation
            inputs["level"] = apprentice.level
        if stage == "early_end":
            inputs["actual_months"] = apprentice.actual_months
            inputs["early_end"] = apprentice.early_end
        line = ClaimLine(
            claim=claim,
            person=apprentice.person,
            share=Share.TRAINING,
            inputs=inputs,
            start=apprentice.start,
            end=apprentice.end,
        )
        try:
            if stage == "advance":
                computed = compute_advance(inputs, district=claim.district, on=apprentice.start)
            else:
                advanced = _advanced(employer.pk, apprentice.person.pk)
                computed = compute_after_advance(
                    inputs, advanced, district=claim.district, on=apprentice.start
                )
        except ScenarioError as exc:
            raise ApplicationError(f"{apprentice.person.name}：{exc.message}", field=exc.field) from exc
        _store(line, computed)
        lines.append(line)
    ClaimLine.objects.bulk_create(lines)
    _recount(claim)
    state_change_record(
        obj=claim, actor=actor, from_state="", to_state=S.DRAFT, reason="创建企业新型学徒制申领"
    )
    return claim


# ---------------------------------------------------------------- enterprise direct claims (R4)


@dataclass(frozen=True)
class EnterpriseTraining:
    """An employer's own training of its staff (clause 四): what was trained, when, how."""

    name: str
    occupation: Occupation
    level: int | None
    start: date
    end: date
    planned_online: int = 0


@dataclass(frozen=True)
class EnterpriseTrainee:
    person: Person
    relation: str  # a key of apps.rules.enterprise.TRAINEE_RELATIONS (R4.2)
    attended_offline: int
    attended_online: int = 0
    passed: bool = True


def _enterprise_quote(inputs: dict[str, Any], relation: str, *, claim: Claim) -> Computed:
    """The engine's quote of one trainee of a direct claim, with who the trainee is to the
    enterprise (R4.2) as its first step."""
    computed = _quote(inputs, claim=claim, on=date.fromisoformat(inputs["approved_on"]))
    step = {
        "rule": "R4.2",
        "text": f"学员与企业的关系：{TRAINEE_RELATIONS.get(relation, relation)}",
        "arithmetic": "",
        "amount": None,
    }
    return Computed(computed.amount, [step, *computed.steps], computed.findings, computed.rules_version)


@transaction.atomic
def claim_create_enterprise_direct(
    *, actor: Any, employer: Employer, training: EnterpriseTraining, trainees: list[EnterpriseTrainee]
) -> Claim:
    """企业职工培训直补 (clause 四): one line per trained employee (R4.2), quoted as the engine's
    "enterprise" kind from the district's rate row in force on the first day of the training (R1.6)
    with the district's uplift (R1.7). The training plan, sign-in sheets and video are required
    unless the employer is classified (R4.3): until they are uploaded the lines say so. No invoice."""
    _require_filer(actor, employer)
    if not trainees:
        raise ApplicationError("请至少填写一名参训职工", field="trainees")
    if training.end < training.start:
        raise ApplicationError("培训结束日期不能早于开始日期", field="end")
    if training.planned_online < 0:
        raise ApplicationError("计划线上课时不能为负数", field="planned_online")
    row = rate_row_in_force(
        district=employer.district, occupation=training.occupation, level=training.level, on=training.start
    )
    if row is None:
        raise ApplicationError(
            f"{employer.district}没有 {training.start.isoformat()} 适用于“{training.occupation}”"
            f"（{level_label(training.level)}）的补贴标准，无法测算",
            rule="R1.6",
            field="occupation",
        )
    seen: set[int] = set()
    for number, trainee in enumerate(trainees, start=1):
        finding = check_enterprise_trainee(trainee.relation)
        if finding is not None:
            raise ApplicationError(f"第 {number} 名职工：{finding.message}", field="relation")
        if trainee.attended_offline < 0 or trainee.attended_online < 0:
            raise ApplicationError(f"第 {number} 名职工：实到课时不能为负数", field="attended_offline")
        if trainee.person.pk in seen:
            raise ApplicationError(f"第 {number} 名职工：{trainee.person.name} 重复填写", field="trainees")
        seen.add(trainee.person.pk)
    uplift = district_settings_for(district=employer.district, on=training.start).enterprise_uplift
    claim = Claim.objects.create(
        kind=ClaimKind.ENTERPRISE_DIRECT,
        district_id=employer.district_id,
        year=training.end.year,
        employer=employer,
        # The training as filed; compared with nothing, but it is what every line was quoted from.
        class_snapshot={
            "training": {
                "name": training.name,
                "occupation": training.occupation.code,
                "occupation_name": training.occupation.name,
                "level": training.level,
                "start": training.start.isoformat(),
                "end": training.end.isoformat(),
                "planned_online": training.planned_online,
                "rate_row": row.pk,
            },
            "relations": {str(t.person.pk): t.relation for t in trainees},
        },
    )
    histories = histories_for([t.person.pk for t in trainees], exclude_claim_id=claim.pk)
    occupation = training.occupation
    lines = []
    for trainee in trainees:
        inputs: dict[str, Any] = {
            "kind": "enterprise",
            "approved_on": training.start.isoformat(),
            "start": training.start.isoformat(),
            "end": training.end.isoformat(),
            "occupation": {
                "code": occupation.code,
                "category": occupation.major_category,
                "new": occupation.is_new,
            },
            "level": training.level,
            "standard": str(row.standard),
            "rate": str(row.rate),
            "planned_hours": row.class_hours,
            "planned_online": training.planned_online,
            "online_rate": str(row.online_rate),
            "attended": {"offline": trainee.attended_offline, "online": trainee.attended_online},
            "passed": trainee.passed,
            "enterprise_uplift": f"{uplift.normalize():f}",
            "classified": employer.is_classified,
            "materials": [],
            "id_number": trainee.person.id_number,
            "history": histories[trainee.person.pk],
        }
        line = ClaimLine(
            claim=claim,
            person=trainee.person,
            share=Share.TRAINING,
            inputs=inputs,
            start=training.start,
            end=training.end,
        )
        _store(line, _enterprise_quote(inputs, trainee.relation, claim=claim))
        lines.append(line)
    ClaimLine.objects.bulk_create(lines)
    _recount(claim)
    state_change_record(
        obj=claim, actor=actor, from_state="", to_state=S.DRAFT, reason="创建企业职工培训直补申领"
    )
    return claim


# ---------------------------------------------------------------- living allowance (R8.1)

# The groups whose trainees receive the living allowance (R8.1: "the groups the district names").
# The catalogue has no district setting for them yet, so every district names these.
LIVING_ALLOWANCE_GROUPS = (
    TargetGroup.POVERTY_ALLEVIATED,
    TargetGroup.REGISTERED_UNEMPLOYED,
    TargetGroup.RURAL_MIGRANT,
    TargetGroup.GRADUATE,
    TargetGroup.DISABLED,
)


def _living_lines(claim: Claim, training_class: TrainingClass) -> list[ClaimLine]:
    """One line per enrolled trainee of an eligible group: L × offline class-hours / 6 (R8.1), the
    class-hours capped at the class's H, at the L in force on the approval date (R9.2)."""
    on = training_class.approved_on
    daily = district_settings_for(district=training_class.district, on=on).living_allowance_per_day
    per_day = params_on(on).class_hours_per_day
    attended = _attended(training_class)
    enrolments = (
        training_class.enrolments.filter(
            status=EnrolmentStatus.ENROLLED, person__groups__group__in=LIVING_ALLOWANCE_GROUPS
        )
        .select_related("person")
        .prefetch_related("person__groups")
        .distinct()
        .order_by("pk")
    )
    labels = dict(TargetGroup.choices)
    lines = []
    for enrolment in enrolments:
        person = enrolment.person
        groups = sorted(g.group for g in person.groups.all() if g.group in LIVING_ALLOWANCE_GROUPS)
        offline = attended.get(enrolment.pk, {"offline": 0})["offline"]
        hours = min(offline, training_class.class_hours or offline)
        amount = living_allowance(offline_class_hours=hours, daily_amount=daily, on=on)
        steps = [
            {
                "rule": "R8.1",
                "text": "人员类别："
                + "、".join(str(labels[g]) for g in groups)
                + "（区县确定的生活费补贴对象）",
                "arithmetic": "",
                "amount": None,
            },
            {
                "rule": "R8.1",
                "text": f"线下 {hours} 课时 = {days_text(hours, per_day)} 天 × {yuan(daily)} 元"
                + (f"（实到线下 {offline} 课时，以班级课时 {hours} 为限）" if hours < offline else ""),
                "arithmetic": f"{yuan(daily)} × {hours} ÷ {per_day} = {yuan(amount)}",
                "amount": f"{amount:.2f}",
            },
        ]
        findings = []
        finding = check_real_name(person.id_number, on=training_class.start_date)
        if finding is not None:
            findings.append({"rule": finding.rule, "severity": finding.severity, "message": finding.message})
            steps.append(
                {"rule": "R8.3", "text": "实名信息无效，本次补贴为 0", "arithmetic": "", "amount": "0.00"}
            )
            amount = ZERO
        lines.append(
            ClaimLine(
                claim=claim,
                person=person,
                enrolment=enrolment,
                share=Share.LIVING_ALLOWANCE,
                inputs={
                    "kind": "living_allowance",
                    "approved_on": on.isoformat(),
                    "offline_class_hours": hours,
                    "daily_amount": f"{daily:.2f}",
                    "groups": groups,
                    "id_number": person.id_number,
                },
                amount=amount,
                steps=steps,
                findings=findings,
                rules_version=RULES_VERSION,
                # No dates: the allowance is not a training of its own and must not count in the
                # person's history (R10.1, R3.4).
                start=None,
                end=None,
            )
        )
    return lines


def _rebuild_living_lines(claim: Claim, training_class: TrainingClass) -> None:
    claim.lines.all().delete()
    lines = _living_lines(claim, training_class)
    if not lines:
        labels = "、".join(str(TargetGroup(g).label) for g in LIVING_ALLOWANCE_GROUPS)
        raise ApplicationError(f"本班没有属于生活费补贴对象（{labels}）的在册学员", field="training_class")
    ClaimLine.objects.bulk_create(lines)
    _recount(claim)


@transaction.atomic
def claim_create_living_allowance(*, actor: Any, training_class: TrainingClass) -> Claim:
    """生活费补贴（含交通费）of a completed class (R8.1), paid from the district's living-allowance
    share: one line per enrolled trainee of the groups the district names."""
    return _create_class_claim(actor=actor, training_class=training_class, kind=ClaimKind.LIVING_ALLOWANCE)


# The kinds claimed for a completed class, whose lines follow the class (data lock): what the
# messages call them, and how their lines are built from the class.
CLASS_CLAIMS: dict[str, tuple[str, Callable[[Claim, TrainingClass], None]]] = {
    ClaimKind.CLASS_COMPLETION: ("补贴", _rebuild_class_lines),
    ClaimKind.LIVING_ALLOWANCE: ("生活费补贴", _rebuild_living_lines),
}


def _create_class_claim(*, actor: Any, training_class: TrainingClass, kind: str) -> Claim:
    """A claim of `kind` for a completed class of the actor's institution, once per class and
    kind (a rejected claim may be made again); call inside a transaction."""
    what, rebuild = CLASS_CLAIMS[kind]
    training_class = (
        TrainingClass.objects.select_for_update()
        .select_related("institution", "occupation")
        .get(pk=training_class.pk)
    )
    if (
        actor.role != Role.INSTITUTION_OPERATOR
        or not training_class.institution.members.filter(pk=actor.pk).exists()
    ):
        raise ApplicationError(f"只有本机构的经办人可以申领该班级的{what}")
    if training_class.status != ClassStatus.COMPLETED:
        raise ApplicationError(f"班级状态为“{training_class.get_status_display()}”，结业后才能申领{what}")
    if Claim.objects.filter(training_class=training_class, kind=kind).exclude(status=S.REJECTED).exists():
        raise ApplicationError(f"该班级已有{what}申领，不能重复申领")
    claim = Claim.objects.create(
        kind=kind,
        district_id=training_class.district_id,
        year=training_class.end_date.year,
        institution=training_class.institution,
        training_class=training_class,
        class_snapshot=_class_snapshot(training_class),
    )
    rebuild(claim, training_class)
    state_change_record(obj=claim, actor=actor, from_state="", to_state=S.DRAFT, reason=f"创建{what}申领")
    return claim


# ---------------------------------------------------------------- materials (R4.3)


def claim_requires_materials(claim: Claim) -> bool:
    """Whether R4.3 applies to the claim's lines (an enterprise's own training), so that its
    materials feed the quote."""
    if claim.kind == ClaimKind.ENTERPRISE_DIRECT:
        return True
    return (
        claim.kind == ClaimKind.CLASS_COMPLETION
        and TrainingClass.objects.filter(
            pk=claim.training_class_id, training_type=TrainingType.ENTERPRISE_STAFF
        ).exists()
    )


def _require_editable_by_claimant(claim: Claim, actor: Any, what: str) -> None:
    if not is_claimant(actor, claim):
        raise ApplicationError(f"只有申领单位的经办人可以{what}")
    if claim.status not in EDITABLE:
        raise ApplicationError(
            f"申领状态为“{claim.get_status_display()}”，不能{what}（草稿或退回修改时可以）", field="status"
        )


@transaction.atomic
def claim_material_upload(*, claim: Claim, actor: Any, kind: str, upload: UploadedFile) -> ClaimMaterial:
    """Attach one material to a draft or returned claim: type, content and size checked
    (apps.claims.materials), stored under a random name through the default storage. For the
    enterprise kinds the lines are quoted again, since R4.3 depends on the materials."""
    claim = _lock(claim)
    _require_editable_by_claimant(claim, actor, "上传申领材料")
    checked = check_upload(kind=kind, file=upload, name=upload.name or "", size=upload.size or 0)
    material = ClaimMaterial(
        claim=claim,
        kind=kind,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor,
    )
    material.file.save(checked.storage_name, upload, save=False)
    stored = material.file.name
    # The file is written before the row: if the transaction rolls back, remove the file too.
    try:
        material.save()
        state_change_record(
            obj=claim,
            actor=actor,
            from_state=claim.status,
            to_state=claim.status,
            reason=f"上传材料：{MaterialKind(kind).label}“{checked.name}”",
            changes={"material": material.pk, "kind": kind, "name": checked.name, "size": checked.size},
        )
        if claim_requires_materials(claim):
            claim_recompute(claim=claim)
    except BaseException:
        material.file.storage.delete(stored)
        raise
    return material


@transaction.atomic
def claim_material_delete(*, material: ClaimMaterial, actor: Any) -> Claim:
    """Remove a material from a draft or returned claim; the stored file goes once the
    transaction commits. The enterprise kinds are quoted again (R4.3)."""
    claim = _lock(material.claim)
    material = ClaimMaterial.objects.select_for_update().get(pk=material.pk, claim=claim)
    _require_editable_by_claimant(claim, actor, "删除申领材料")
    stored, storage = material.file.name, material.file.storage
    label, name = MaterialKind(material.kind).label, material.original_name
    material.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"删除材料：{label}“{name}”",
        changes={"material": material.pk, "kind": material.kind, "name": name},
    )
    if claim_requires_materials(claim):
        claim_recompute(claim=claim)
    return claim


# ---------------------------------------------------------------- persons typed by the claimant


@dataclass(frozen=True)
class PersonRow:
    """A worker, apprentice or trainee as a claimant types them: ID number and name."""

    id_number: str
    name: str


@transaction.atomic
def claim_create_with_persons(*, rows: list[PersonRow], create: Callable[[list[Person]], Claim]) -> Claim:
    """Find or register each row's person in the real-name registry (R8.3, R11.1; any province,
    R8.4), then create the claim with them (`create` gets the persons in row order), in one
    transaction: a refused claim registers nobody. Errors name the row."""
    persons: list[Person] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            person = person_register_or_get(id_number=row.id_number, name=row.name)
        except ApplicationError as exc:
            raise ApplicationError(f"第 {number} 行：{exc.message}", rule=exc.rule, field=exc.field) from exc
        if person.id_number in first_row:
            raise ApplicationError(
                f"第 {number} 行：身份证号码与第 {first_row[person.id_number]} 行重复", field="id_number"
            )
        first_row[person.id_number] = number
        persons.append(person)
    return create(persons)


# ---------------------------------------------------------------- lifecycle


def _lock(claim: Claim) -> Claim:
    return (
        # of=("self",): the claimant joins are outer joins, which FOR UPDATE cannot lock.
        Claim.objects.select_for_update(of=("self",))
        .select_related("institution", "employer", "district")
        .get(pk=claim.pk)
    )


def _may(actor: Any, claim: Claim, who: str) -> bool:
    return is_claimant(actor, claim) if who == "claimant" else is_claim_officer(actor, claim)


@transaction.atomic
def claim_transition(*, claim: Claim, actor: Any, to: str, reason: str = "") -> Claim:
    """Move a claim along the table (all moves but approval and payment, which apps.ledger makes)."""
    claim = _lock(claim)
    current = claim.status
    if (current, to) in LEDGER_TRANSITIONS:
        raise ApplicationError(f"“{LEDGER_TRANSITIONS[(current, to)]}”须通过专账资金记账办理", field="status")
    transition = TRANSITIONS.get((current, to))
    if transition is None:
        label = S(to).label if to in S.values else to
        raise ApplicationError(f"补贴申领不能从“{S(current).label}”变为“{label}”", field="status")
    if not _may(actor, claim, transition.actor):
        raise ApplicationError(f"您无权对该申领执行“{transition.label}”")
    reason = reason.strip()
    if transition.needs_reason and not reason:
        raise ApplicationError(f"{transition.label}须填写原因", field="reason")
    if to == S.SUBMITTED:
        differences = claim_data_lock(claim)
        if differences:
            raise ApplicationError(
                "数据比对不一致，不能提交：" + "；".join(differences) + "。请重新测算后再提交",
                field="data_lock",
                extra={"differences": differences},
            )
        if not claim.lines.exists():
            raise ApplicationError("申领没有明细，不能提交")
        claim.submitted_at = timezone.now()
    if to == S.RETURNED:
        claim.lines.update(
            decision=LineDecision.PENDING,
            decided_by=None,
            decided_at=None,
            decision_rule="",
            decision_reason="",
        )
    claim.status = to
    claim.save()
    _recount(claim)
    state_change_record(obj=claim, actor=actor, from_state=current, to_state=to, reason=reason)
    return claim


def claim_mark_for_ledger(*, claim: Claim, actor: Any, to: str, reason: str = "") -> Claim:
    """For apps.ledger only: the caller holds the claim's row lock and books the ledger (or the
    payment) in the same transaction."""
    current = claim.status
    if (current, to) not in LEDGER_TRANSITIONS:
        raise ApplicationError(f"补贴申领不能从“{S(current).label}”变为“{S(to).label}”", field="status")
    claim.status = to
    claim.save(update_fields=["status", "updated_at"])
    state_change_record(obj=claim, actor=actor, from_state=current, to_state=to, reason=reason)
    return claim


@transaction.atomic
def claim_line_decide(
    *, line: ClaimLine, actor: Any, decision: str, rule: str = "", reason: str = ""
) -> ClaimLine:
    """A district officer's decision on one line; the claim's approved total follows. A line quoted
    at zero cannot be approved; rejecting needs a reason code (the rule ID) and text."""
    claim = _lock(line.claim)
    if not is_claim_officer(actor, claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以审核申领明细 (R7.1)")
    if claim.status == S.SUBMITTED:
        claim.status = S.UNDER_REVIEW
        claim.save(update_fields=["status", "updated_at"])
        state_change_record(
            obj=claim, actor=actor, from_state=S.SUBMITTED, to_state=S.UNDER_REVIEW, reason="开始审核"
        )
    if claim.status != S.UNDER_REVIEW:
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，不能审核明细")
    line = ClaimLine.objects.select_for_update().get(pk=line.pk, claim=claim)
    if decision not in (LineDecision.APPROVED, LineDecision.REJECTED):
        raise ApplicationError("审核结论应为通过或不予补贴", field="decision")
    if decision == LineDecision.REJECTED and not (rule.strip() and reason.strip()):
        raise ApplicationError("不予补贴须选择理由规则并填写理由", field="reason")
    if decision == LineDecision.APPROVED and line.amount <= 0:
        raise ApplicationError(
            "该明细测算金额为 0（见校验结果），不能审核通过，请选择不予补贴", field="decision"
        )
    before = line.decision
    line.decision = decision
    line.decision_rule = rule.strip() if decision == LineDecision.REJECTED else ""
    line.decision_reason = reason.strip()
    line.decided_by = actor
    line.decided_at = timezone.now()
    line.save()
    _recount(claim)
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=S.UNDER_REVIEW,
        to_state=S.UNDER_REVIEW,
        reason=reason.strip(),
        changes={
            "line": line.pk,
            "person": line.person_id,
            "decision": [before, decision],
            "rule": line.decision_rule,
        },
    )
    return line


@transaction.atomic
def claim_lines_approve_pending(*, claim: Claim, actor: Any) -> int:
    """Approve every line still pending whose quote is above zero (the rest of the claim once the
    officer has rejected what they found); each decision is logged as if made one by one.
    Returns how many lines were approved."""
    claim = _lock(claim)
    if not is_claim_officer(actor, claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以审核申领明细 (R7.1)")
    pending = list(claim.lines.filter(decision=LineDecision.PENDING, amount__gt=0).order_by("pk"))
    for line in pending:
        claim_line_decide(line=line, actor=actor, decision=LineDecision.APPROVED)
    return len(pending)


@transaction.atomic
def claim_recommend(*, claim: Claim, actor: Any, text: str) -> Claim:
    """A third-party reviewer's recommendation (R7.1): recorded and logged, never a decision."""
    claim = _lock(claim)
    if not is_engaged_reviewer(actor, claim):
        raise ApplicationError("只有受本区县委托的第三方社会机构可以提出审核意见 (R7.1)")
    if claim.status not in (S.SUBMITTED, S.UNDER_REVIEW):
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，不能提出审核意见")
    if not text.strip():
        raise ApplicationError("请填写审核意见", field="text")
    claim.recommendation = text.strip()
    claim.recommended_by = actor
    claim.save(update_fields=["recommendation", "recommended_by", "updated_at"])
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"第三方审核意见：{text.strip()}",
    )
    return claim
