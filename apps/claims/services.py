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
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.catalog.models import Occupation, level_label
from apps.catalog.selectors import rate_row_in_force
from apps.classes.engine import planned_hours
from apps.classes.models import ClassStatus, TrainingClass, TrainingType
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.core.services import state_change_record
from apps.institutions.models import Employer
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules import ScenarioError
from apps.rules.enterprise import MATERIALS, check_enterprise_trainee
from apps.rules.hours import class_hours_from_minutes
from apps.trainees.models import EnrolmentStatus, Outcome, Person, TargetGroup
from apps.trainees.services.persons import person_register_or_get

from .engine import (
    Computed,
    Fact,
    compute,
    district_inputs,
    district_inputs_for,
    facts_for,
    line_months_sync,
    standing,
    store_quote,
    training_key,
    with_standing,
)
from .entitlement import judged, judged_rules, line_months_book, lines_requote_against_booked
from .extensions import lines_blocked
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


# ---------------------------------------------------------------- who is told


def claimant_users(claim: Claim) -> QuerySet[User]:
    """Who is told of a decision on the claim: the active members of the institution or the
    employer that filed it."""
    if claim.institution_id:
        return User.objects.filter(institutions=claim.institution_id, is_active=True)
    if claim.employer_id:
        return User.objects.filter(employers=claim.employer_id, is_active=True)
    return User.objects.none()


def claim_notify(
    *, claim: Claim, actor: Any, kind: str, what: str, body: str = "", officers: bool = False
) -> None:
    """Tell the claimant (or, with `officers`, the claim's district officers) what happened to the
    claim, in the transaction of the decision; the link opens the claim."""
    notify(
        recipients=district_officers(district_id=claim.district_id) if officers else claimant_users(claim),
        kind=kind,
        title=f"{claim.get_kind_display()}申领 #{claim.pk}：{what}",
        body=body,
        link=reverse("claims:detail", args=[claim.pk]),
        exclude=actor,
    )


# ---------------------------------------------------------------- lines


def _recount(claim: Claim) -> None:
    totals = claim.lines.aggregate(total=Sum("amount"))
    approved = claim.lines.filter(decision=LineDecision.APPROVED).aggregate(total=Sum("amount"))
    claim.total = totals["total"] or ZERO
    claim.approved_total = approved["total"] or ZERO
    claim.save(update_fields=["total", "approved_total", "updated_at"])


def _quote(inputs: dict[str, Any], *, who: str = "") -> Computed:
    try:
        return compute(inputs)
    except ScenarioError as exc:
        raise ApplicationError(f"{who}测算输入有误：{exc.message}", field=exc.field) from exc


def _new_line(
    claim: Claim,
    facts: dict[int, list[Fact]],
    *,
    person: Person,
    inputs: dict[str, Any],
    share: str = Share.TRAINING,
    enrolment: Any = None,
    start: date | None = None,
    end: date | None = None,
) -> ClaimLine:
    """A line quoted against what its person already has (apps.claims.engine), not saved."""
    key = training_key(claim, enrolment_id=enrolment.pk if enrolment else None, inputs=inputs)
    inputs = with_standing(
        inputs, standing(facts.get(person.pk, ()), key=key, kind=claim.kind), kind=claim.kind
    )
    line = ClaimLine(
        claim=claim,
        person=person,
        enrolment=enrolment,
        share=share,
        inputs=inputs,
        start=start,
        end=end,
        training_key=key,
    )
    store_quote(line, _quote(inputs, who=f"{person.name}："))
    return line


def _save_lines(claim: Claim, lines: list[ClaimLine]) -> None:
    ClaimLine.objects.bulk_create(lines)
    line_months_sync(claim, lines)
    _recount(claim)


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
    enterprise = training_class.training_type == TrainingType.ENTERPRISE_STAFF
    locked = district_inputs(
        kind="enterprise" if enterprise else "class",
        district=training_class.district,
        on=training_class.approved_on,
        end=training_class.end_date,
    )
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
            **locked,
            "id_number": enrolment.person.id_number,
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
    rows = _class_inputs(claim, training_class)
    facts = facts_for([e.person_id for e, _ in rows], exclude_claim_id=claim.pk, booked_only=False)
    lines = [
        _new_line(
            claim,
            facts,
            person=enrolment.person,
            inputs=inputs,
            enrolment=enrolment,
            start=training_class.start_date,
            end=training_class.end_date,
        )
        for enrolment, inputs in rows
    ]
    _save_lines(claim, lines)


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
        lines = list(claim.lines.select_related("person").order_by("pk"))
        facts = facts_for([line.person_id for line in lines], exclude_claim_id=claim.pk, booked_only=False)
        materials = _material_kinds(claim) if claim.kind == ClaimKind.ENTERPRISE_DIRECT else None
        for line in lines:
            inputs = dict(line.inputs, materials=materials) if materials is not None else line.inputs
            inputs = with_standing(
                inputs,
                standing(facts[line.person_id], key=line.training_key, kind=claim.kind),
                kind=claim.kind,
            )
            line.inputs = inputs
            store_quote(line, _quote(inputs, who=f"{line.person.name}："))
            line.save()
        line_months_sync(claim, lines)
        _recount(claim)
    return claim


# ---------------------------------------------------------------- 以工代训 and apprenticeship claims


@dataclass(frozen=True)
class WorkerMonths:
    person: Person
    months: list[str]  # "2021-10"


def _month_span(months: list[str]) -> tuple[date, date]:
    first = date.fromisoformat(min(months) + "-01")
    year, month = map(int, max(months).split("-"))
    return first, date(year, month, calendar.monthrange(year, month)[1])


def _require_filer(actor: Any, employer: Employer) -> None:
    if actor.role != Role.ENTERPRISE_FILER or not employer.members.filter(pk=actor.pk).exists():
        raise ApplicationError("只有本企业的申报人可以提交该申领")


def work_for_training_year(workers: list[WorkerMonths]) -> int:
    """The funding year of a 以工代训 claim when the filer names none: the year of its last month
    claimed (R8.2: a year's allocation pays that year's training)."""
    months = [month for worker in workers for month in worker.months]
    if not months:
        return timezone.localdate().year
    return int(max(months)[:4])


def _fill_work_for_training(claim: Claim, workers: list[WorkerMonths]) -> None:
    facts = facts_for([w.person.pk for w in workers], exclude_claim_id=claim.pk, booked_only=False)
    locked = district_inputs_for(kind="work_for_training", district=claim.employer.district)
    lines = []
    for number, worker in enumerate(workers, start=1):
        if not worker.months:
            raise ApplicationError(f"第 {number} 名职工：请填写申领月份", field="workers")
        start, end = _month_span(worker.months)
        inputs = {
            "kind": "work_for_training",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "months": sorted(set(worker.months)),
            **locked(start),
            "id_number": worker.person.id_number,
        }
        lines.append(
            _new_line(
                claim,
                facts,
                person=worker.person,
                inputs=inputs,
                share=Share.WORK_FOR_TRAINING,
                start=start,
                end=end,
            )
        )
    _save_lines(claim, lines)


@transaction.atomic
def claim_create_work_for_training(
    *, actor: Any, employer: Employer, workers: list[WorkerMonths], year: int | None = None
) -> Claim:
    """A 以工代训 claim (R3): workers and the months claimed; no plan or certificate needed. The
    funding year is the months' unless the filer names one."""
    _require_filer(actor, employer)
    if not workers:
        raise ApplicationError("请至少填写一名职工及其申领月份", field="workers")
    claim = Claim.objects.create(
        kind=ClaimKind.WORK_FOR_TRAINING,
        district_id=employer.district_id,
        year=year or work_for_training_year(workers),
        employer=employer,
    )
    _fill_work_for_training(claim, workers)
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
    early_end_reason: str = ""


def apprenticeship_year(stage: str, apprentices: list[Apprentice]) -> int:
    """The funding year of an apprenticeship claim when the filer names none: the year of the
    stage's date: the opening for the advance (R5.5), the planned end for the completion, the
    opening plus the months actually trained for an early end (R5.3)."""
    years = []
    for a in apprentices:
        if stage == "advance":
            years.append(a.start.year)
        elif stage == "early_end" and a.actual_months is not None:
            years.append(a.start.year + (a.start.month - 1 + a.actual_months) // 12)
        else:
            years.append(a.end.year)
    return max(years) if years else timezone.localdate().year


def _fill_apprenticeship(claim: Claim, apprentices: list[Apprentice]) -> None:
    stage = claim.apprenticeship_stage
    facts = facts_for([a.person.pk for a in apprentices], exclude_claim_id=claim.pk, booked_only=False)
    locked = district_inputs_for(kind="apprenticeship", district=claim.employer.district)
    lines = []
    for apprentice in apprentices:
        inputs: dict[str, Any] = {
            "kind": "apprenticeship",
            "start": apprentice.start.isoformat(),
            "end": apprentice.end.isoformat(),
            "planned_months": apprentice.planned_months,
            "passed": apprentice.passed if stage != "advance" else True,
            **locked(apprentice.start, apprentice.end),
            "id_number": apprentice.person.id_number,
        }
        if apprentice.occupation:
            inputs["occupation"] = apprentice.occupation
            inputs["level"] = apprentice.level
        if stage == "advance":
            inputs["advance"] = True
        if stage == "early_end":
            inputs["actual_months"] = apprentice.actual_months
            inputs["early_end"] = apprentice.early_end
            if apprentice.early_end == "other":
                inputs["early_end_reason"] = apprentice.early_end_reason.strip()
        lines.append(
            _new_line(
                claim,
                facts,
                person=apprentice.person,
                inputs=inputs,
                start=apprentice.start,
                end=apprentice.end,
            )
        )
    _save_lines(claim, lines)


def _check_apprenticeship(stage: str, apprentices: list[Apprentice]) -> None:
    if stage not in {"advance", "completion", "early_end"}:
        raise ApplicationError("申领阶段应为开班预拨、结业清算或提前结束", field="stage")
    if not apprentices:
        raise ApplicationError("请至少填写一名学徒", field="apprentices")


@transaction.atomic
def claim_create_apprenticeship(
    *, actor: Any, employer: Employer, stage: str, apprentices: list[Apprentice], year: int | None = None
) -> Claim:
    """企业新型学徒制 (R5): the advance at opening (≤ 50 %, R5.5), the completion, or an early end
    pro-rated by the months actually trained (R5.3, for a named reason or another one written out);
    what was booked before for the same apprenticeship (its advance) is deducted at the end, and a
    settled apprenticeship is paid nothing more. The annual standard in force at opening is locked
    on each line (R5.4). The funding year is the stage's unless the filer names one."""
    _require_filer(actor, employer)
    _check_apprenticeship(stage, apprentices)
    claim = Claim.objects.create(
        kind=ClaimKind.APPRENTICESHIP,
        district_id=employer.district_id,
        year=year or apprenticeship_year(stage, apprentices),
        employer=employer,
        apprenticeship_stage=stage,
    )
    _fill_apprenticeship(claim, apprentices)
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


def _check_enterprise(
    employer: Employer, training: EnterpriseTraining, trainees: list[EnterpriseTrainee]
) -> Any:
    """The training and its trainees as filed, checked; the district's rate row in force on its
    first day (R1.6)."""
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
    return row


def _enterprise_snapshot(
    training: EnterpriseTraining, trainees: list[EnterpriseTrainee], row: Any
) -> dict[str, Any]:
    """The training as filed; compared with nothing, but it is what every line was quoted from."""
    return {
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
    }


def _fill_enterprise(
    claim: Claim, training: EnterpriseTraining, trainees: list[EnterpriseTrainee], row: Any
) -> None:
    employer = claim.employer
    facts = facts_for([t.person.pk for t in trainees], exclude_claim_id=claim.pk, booked_only=False)
    locked = district_inputs(
        kind="enterprise", district=employer.district, on=training.start, end=training.end
    )
    materials = _material_kinds(claim)  # none yet on a new claim; an edited draft keeps its own
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
            **locked,
            "classified": employer.is_classified,
            "materials": materials,
            "relation": trainee.relation,
            "id_number": trainee.person.id_number,
        }
        lines.append(
            _new_line(
                claim, facts, person=trainee.person, inputs=inputs, start=training.start, end=training.end
            )
        )
    _save_lines(claim, lines)


@transaction.atomic
def claim_create_enterprise_direct(
    *, actor: Any, employer: Employer, training: EnterpriseTraining, trainees: list[EnterpriseTrainee]
) -> Claim:
    """企业职工培训直补 (clause 四): one line per trained employee (R4.2), quoted as the engine's
    "enterprise" kind from the district's rate row in force on the first day of the training (R1.6)
    with the district's uplift (R1.7). The training plan, sign-in sheets and video are required
    unless the employer is classified (R4.3): until they are uploaded the lines say so. No invoice.
    The funding year is the year the training ended."""
    _require_filer(actor, employer)
    row = _check_enterprise(employer, training, trainees)
    claim = Claim.objects.create(
        kind=ClaimKind.ENTERPRISE_DIRECT,
        district_id=employer.district_id,
        year=training.end.year,
        employer=employer,
        class_snapshot=_enterprise_snapshot(training, trainees, row),
    )
    _fill_enterprise(claim, training, trainees, row)
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
    """One line per enrolled trainee of an eligible group, quoted by the engine (R8.1): L × offline
    class-hours / 6, the class-hours capped at the class's H, at the L in force on the approval
    date (R9.2). The line has no dates: the allowance is not a training of its own and never
    counts in the person's history (R10.1, R3.4)."""
    on = training_class.approved_on
    attended = _attended(training_class)
    enrolments = list(
        training_class.enrolments.filter(
            status=EnrolmentStatus.ENROLLED, person__groups__group__in=LIVING_ALLOWANCE_GROUPS
        )
        .select_related("person")
        .prefetch_related("person__groups")
        .distinct()
        .order_by("pk")
    )
    facts = facts_for([e.person_id for e in enrolments], exclude_claim_id=claim.pk, booked_only=False)
    locked = district_inputs(kind="living_allowance", district=training_class.district, on=on)
    labels = dict(TargetGroup.choices)
    lines = []
    for enrolment in enrolments:
        person = enrolment.person
        groups = sorted(g.group for g in person.groups.all() if g.group in LIVING_ALLOWANCE_GROUPS)
        inputs = {
            "kind": "living_allowance",
            "approved_on": on.isoformat(),
            "start": training_class.start_date.isoformat(),
            "end": training_class.end_date.isoformat(),
            "attended": {"offline": attended.get(enrolment.pk, {"offline": 0})["offline"], "online": 0},
            "planned_hours": training_class.class_hours or None,
            **locked,
            "groups": [str(labels[g]) for g in groups],
            "id_number": person.id_number,
        }
        lines.append(
            _new_line(
                claim, facts, person=person, inputs=inputs, share=Share.LIVING_ALLOWANCE, enrolment=enrolment
            )
        )
    return lines


def _rebuild_living_lines(claim: Claim, training_class: TrainingClass) -> None:
    claim.lines.all().delete()
    lines = _living_lines(claim, training_class)
    if not lines:
        labels = "、".join(str(TargetGroup(g).label) for g in LIVING_ALLOWANCE_GROUPS)
        raise ApplicationError(f"本班没有属于生活费补贴对象（{labels}）的在册学员", field="training_class")
    _save_lines(claim, lines)


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


# ---------------------------------------------------------------- editing and deleting drafts


def _rows_summary(claim: Claim) -> dict[str, Any]:
    """What an edit changes, for the log: the year, the persons and the total."""
    return {
        "year": claim.year,
        "persons": sorted(claim.lines.values_list("person_id", flat=True)),
        "total": f"{claim.total:.2f}",
    }


def _replace_rows(claim: Claim, actor: Any, fill: Callable[[], None], *, year: int, what: str) -> Claim:
    """Drop the draft's lines (their 以工代训 months go with them, never booked), quote the rows
    again through the same services as at creation, and log before → after."""
    before = _rows_summary(claim)
    claim.lines.all().delete()
    claim.year = year
    claim.save()
    fill()
    claim.refresh_from_db()
    after = _rows_summary(claim)
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"修改{what}申领明细",
        changes={"edit": changes},
    )
    return claim


@transaction.atomic
def claim_update_work_for_training(
    *, claim: Claim, actor: Any, workers: list[WorkerMonths], year: int | None = None
) -> Claim:
    """The filer edits a draft or returned 以工代训 claim: its workers and months, quoted again."""
    claim = _lock(claim)
    _require_editable_by_claimant(claim, actor, "修改申领")
    if claim.kind != ClaimKind.WORK_FOR_TRAINING:
        raise ApplicationError("该申领不是以工代训申领", field="kind")
    if not workers:
        raise ApplicationError("请至少填写一名职工及其申领月份", field="workers")
    return _replace_rows(
        claim,
        actor,
        lambda: _fill_work_for_training(claim, workers),
        year=year or work_for_training_year(workers),
        what="以工代训",
    )


@transaction.atomic
def claim_update_apprenticeship(
    *, claim: Claim, actor: Any, stage: str, apprentices: list[Apprentice], year: int | None = None
) -> Claim:
    """The filer edits a draft or returned apprenticeship claim: its stage and apprentices."""
    claim = _lock(claim)
    _require_editable_by_claimant(claim, actor, "修改申领")
    if claim.kind != ClaimKind.APPRENTICESHIP:
        raise ApplicationError("该申领不是企业新型学徒制申领", field="kind")
    _check_apprenticeship(stage, apprentices)
    claim.apprenticeship_stage = stage
    return _replace_rows(
        claim,
        actor,
        lambda: _fill_apprenticeship(claim, apprentices),
        year=year or apprenticeship_year(stage, apprentices),
        what="企业新型学徒制",
    )


@transaction.atomic
def claim_update_enterprise_direct(
    *, claim: Claim, actor: Any, training: EnterpriseTraining, trainees: list[EnterpriseTrainee]
) -> Claim:
    """The filer edits a draft or returned enterprise direct claim: the training and its trainees;
    the materials uploaded stay and count again (R4.3)."""
    claim = _lock(claim)
    _require_editable_by_claimant(claim, actor, "修改申领")
    if claim.kind != ClaimKind.ENTERPRISE_DIRECT:
        raise ApplicationError("该申领不是企业职工培训直补申领", field="kind")
    row = _check_enterprise(claim.employer, training, trainees)
    claim.class_snapshot = _enterprise_snapshot(training, trainees, row)
    return _replace_rows(
        claim,
        actor,
        lambda: _fill_enterprise(claim, training, trainees, row),
        year=training.end.year,
        what="企业职工培训直补",
    )


@transaction.atomic
def claim_delete_draft(*, claim: Claim, actor: Any, reason: str = "") -> None:
    """The claimant deletes a draft it no longer wants: its lines, 以工代训 months and materials go
    (a draft has booked nothing); the log keeps a deletion record of what it was. A claim once
    submitted is never deleted: it is withdrawn by being rejected or corrected when returned."""
    claim = _lock(claim)
    if not is_claimant(actor, claim):
        raise ApplicationError("只有申领单位的经办人可以删除申领草稿")
    if claim.status != S.DRAFT:
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，只有草稿可以删除", field="status")
    record = {
        "deleted": {
            "kind": claim.kind,
            "year": claim.year,
            "claimant": str(claim.claimant),
            "total": f"{claim.total:.2f}",
            "persons": sorted(claim.lines.values_list("person_id", flat=True)),
            "materials": sorted(claim.materials.values_list("original_name", flat=True)),
        }
    }
    stored = [(m.file.name, m.file.storage) for m in claim.materials.all()]
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=S.DRAFT,
        to_state="deleted",
        reason=reason.strip() or "删除申领草稿",
        changes=record,
    )
    claim.delete()
    for name, storage in stored:
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))


# ---------------------------------------------------------------- persons typed by the claimant


@dataclass(frozen=True)
class PersonRow:
    """A worker, apprentice or trainee as a claimant types them: ID number and name."""

    id_number: str
    name: str


def claim_known_persons(claim: Claim) -> dict[tuple[str, str], Person]:
    """The persons of a claim's lines by (masked ID number, name): an edit form shows each row's
    number masked, as every page does, and a row left as shown is the same person. A mask two of
    them share is left out, so such a row must be typed in full."""
    known: dict[tuple[str, str], Person] = {}
    shared: set[tuple[str, str]] = set()
    for line in claim.lines.select_related("person"):
        key = (mask_id_number(line.person.id_number), line.person.name)
        if key in known and known[key].pk != line.person_id:
            shared.add(key)
        known[key] = line.person
    return {key: person for key, person in known.items() if key not in shared}


@transaction.atomic
def claim_create_with_persons(
    *,
    rows: list[PersonRow],
    create: Callable[[list[Person]], Claim],
    known: dict[tuple[str, str], Person] | None = None,
) -> Claim:
    """Find or register each row's person in the real-name registry (R8.3, R11.1; any province,
    R8.4), then create (or, editing, fill) the claim with them (`create` gets the persons in row
    order), in one transaction: a refused claim registers nobody. Errors name the row. `known`:
    an edited claim's persons as its form shows them (`claim_known_persons`)."""
    persons: list[Person] = []
    first_row: dict[str, int] = {}
    known = known or {}
    for number, row in enumerate(rows, start=1):
        person = known.get((row.id_number.strip(), row.name.strip()))
        if person is None:
            try:
                person = person_register_or_get(id_number=row.id_number, name=row.name)
            except ApplicationError as exc:
                raise ApplicationError(
                    f"第 {number} 行：{exc.message}", rule=exc.rule, field=exc.field
                ) from exc
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
    if to in (S.RETURNED, S.REJECTED):
        claim_notify(
            claim=claim, actor=actor, kind=f"claim_{to}", what=transition.label, body=f"原因：{reason}"
        )
    elif to == S.SUBMITTED:
        claim_notify(
            claim=claim,
            actor=actor,
            kind="claim_submitted",
            what=f"{transition.label}（{claim.claimant}），等待审核",
            officers=True,
        )
    return claim


def claim_mark_for_ledger(
    *, claim: Claim, actor: Any, to: str, reason: str = "", changes: dict[str, Any] | None = None
) -> Claim:
    """For apps.ledger only: the caller holds the claim's row lock and books the ledger (or the
    payment) in the same transaction."""
    current = claim.status
    if (current, to) not in LEDGER_TRANSITIONS:
        raise ApplicationError(f"补贴申领不能从“{S(current).label}”变为“{S(to).label}”", field="status")
    claim.status = to
    claim.save(update_fields=["status", "updated_at"])
    state_change_record(
        obj=claim, actor=actor, from_state=current, to_state=to, reason=reason, changes=changes
    )
    return claim


def claim_line_unbook(*, line: ClaimLine, actor: Any, rule: str, reason: str) -> ClaimLine:
    """For apps.ledger only, with the line's commitment cancelled in the same transaction (a
    reversal or a recovery): the line becomes 不予补贴 with the rule and the reason, its 以工代训
    months leave the special account, and the claim's totals follow."""
    line.decision = LineDecision.REJECTED
    line.decision_rule = rule
    line.decision_reason = reason
    line.decided_by = actor
    line.decided_at = timezone.now()
    line.save()
    line_months_book([line.pk], booked=False)
    _recount(line.claim)
    return line


def claim_recount(claim: Claim) -> None:
    """For apps.ledger: the claim's totals after its lines changed (a requote, a reversal)."""
    _recount(claim)


def _start_review(claim: Claim, actor: Any) -> None:
    """A decision on a line of a submitted claim starts its review (logged)."""
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


def _findings_text(findings: list[dict[str, Any]]) -> str:
    return "；".join(f"{f['rule']} [{f['severity']}] {f['message']}" for f in findings)


def line_approval_problems(line: ClaimLine, *, reason: str, blocked: list[str]) -> list[str]:
    """Why the line may not be approved as it stands (empty when it may): quoted at zero, a W or O
    finding without a written reason, or a confirmed audit finding (`blocked`)."""
    problems = []
    if line.amount <= 0:
        problems.append("测算金额为 0（见校验结果），不能审核通过，请选择不予补贴")
    judged_findings = judged(line.findings)
    if judged_findings and not reason.strip():
        problems.append(
            "有须审核人员判断的校验结果（" + _findings_text(judged_findings) + "），审核通过须填写理由"
        )
    problems.extend(blocked)
    return problems


def _decide(
    line: ClaimLine, claim: Claim, actor: Any, decision: str, rule: str, reason: str, *, recount: bool = True
) -> ClaimLine:
    before = line.decision
    line.decision = decision
    line.decision_rule = rule.strip() if decision == LineDecision.REJECTED else ""
    line.decision_reason = reason.strip()
    line.decided_by = actor
    line.decided_at = timezone.now()
    line.save()
    if recount:
        _recount(claim)
    changes: dict[str, Any] = {
        "line": line.pk,
        "person": line.person_id,
        "decision": [before, decision],
        "rule": line.decision_rule,
        "amount": f"{line.amount:.2f}",
    }
    accepted = sorted(judged_rules(line.findings)) if decision == LineDecision.APPROVED else []
    if accepted:
        changes["accepted"] = accepted
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=S.UNDER_REVIEW,
        to_state=S.UNDER_REVIEW,
        reason=reason.strip(),
        changes=changes,
    )
    return line


def _requote_for_approval(claim: Claim, lines: list[ClaimLine]) -> None:
    """The lines quoted again against what is booked and the claim's lines of the same persons
    approved already."""
    others = claim.lines.filter(
        decision=LineDecision.APPROVED, person_id__in={line.person_id for line in lines}
    ).exclude(pk__in=[line.pk for line in lines])
    lines_requote_against_booked(claim=claim, lines=lines, approved_before=list(others))
    _recount(claim)


def claim_line_decide(
    *, line: ClaimLine, actor: Any, decision: str, rule: str = "", reason: str = ""
) -> ClaimLine:
    """A district officer's decision on one line; the claim's approved total follows. Rejecting
    needs a reason code (the rule ID) and text. Approving quotes the line again against what its
    person has booked (apps.claims.entitlement), and the new quote is kept whatever the outcome;
    a line quoted at zero cannot be approved, a W or O finding only with a written reason, and a
    line with a confirmed audit finding not at all until the finding is dismissed."""
    if decision not in (LineDecision.APPROVED, LineDecision.REJECTED):
        raise ApplicationError("审核结论应为通过或不予补贴", field="decision")
    if decision == LineDecision.REJECTED and not (rule.strip() and reason.strip()):
        raise ApplicationError("不予补贴须选择理由规则并填写理由", field="reason")
    with transaction.atomic():
        claim = _lock(line.claim)
        _start_review(claim, actor)
        line = ClaimLine.objects.select_for_update().select_related("person").get(pk=line.pk, claim=claim)
        if decision == LineDecision.REJECTED:
            line = _decide(line, claim, actor, decision, rule, reason)
            claim_notify(
                claim=claim,
                actor=actor,
                kind="claim_line_rejected",
                what=f"明细 #{line.pk}（{line.person.name}）不予补贴",
                body=f"理由（{line.decision_rule}）：{line.decision_reason}",
            )
            return line
        _requote_for_approval(claim, [line])
        problems = line_approval_problems(
            line, reason=reason, blocked=lines_blocked([line.pk]).get(line.pk, [])
        )
        if not problems:
            return _decide(line, claim, actor, decision, rule, reason)
    # Outside the transaction: the new quote stays, the approval does not happen.
    raise ApplicationError("；".join(problems), field="decision" if line.amount <= 0 else "reason")


@dataclass(frozen=True)
class BulkOutcome:
    approved: int
    # Lines left pending, each with why: a W or O finding to judge one by one, a confirmed audit
    # finding, a quote of zero.
    skipped: list[tuple[ClaimLine, list[str]]]


def claim_lines_approve_pending(*, claim: Claim, actor: Any) -> BulkOutcome:
    """Approve every line still pending that may be approved without a word (the rest of the claim
    once the officer has decided what they found). Each is quoted again against what is booked
    first; lines quoted at zero, with a W or O finding, or with a confirmed audit finding are left
    pending and listed, to be decided one by one with a reason. Each decision is logged as if made
    one by one."""
    with transaction.atomic():
        claim = _lock(claim)
        _start_review(claim, actor)
        pending = list(
            claim.lines.select_for_update()
            .filter(decision=LineDecision.PENDING, amount__gt=0)
            .select_related("person")
            .order_by("pk")
        )
        _requote_for_approval(claim, pending)
        blocked = lines_blocked([line.pk for line in pending])
        approved, skipped = 0, []
        for line in pending:
            problems = line_approval_problems(line, reason="", blocked=blocked.get(line.pk, []))
            if problems:
                skipped.append((line, problems))
            else:
                _decide(line, claim, actor, LineDecision.APPROVED, "", "", recount=False)
                approved += 1
        _recount(claim)
    return BulkOutcome(approved, skipped)


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
