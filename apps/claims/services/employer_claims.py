"""The claims an employer files itself: 以工代训 (R3), 企业新型学徒制 (R5) and 企业职工培训直补
(clause 四); created from their rows, and edited as drafts or when returned."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import Occupation, level_label
from apps.catalog.selectors import rate_row_in_force
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.institutions.models import Employer
from apps.rules.enterprise import check_enterprise_trainee
from apps.trainees.models import Person

from ..engine import (
    district_inputs,
    district_inputs_for,
    facts_for,
)
from ..models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Share,
)
from .lifecycle import claim_lock, claim_require_editable
from .lines import line_new, lines_save, material_kinds_on_file

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClaimStatus


def claim_employer(claim: Claim) -> Employer:
    """The employer an employer's claim (以工代训, 学徒制, 企业直补) is filed for."""
    assert claim.employer is not None, "an employer's claim names its employer"
    return claim.employer


@dataclass(frozen=True)
class WorkerMonths:
    person: Person
    months: list[str]  # "2021-10"


def _month_span(months: list[str]) -> tuple[date, date]:
    first = date.fromisoformat(min(months) + "-01")
    year, month = map(int, max(months).split("-"))
    return first, date(year, month, calendar.monthrange(year, month)[1])


def _require_filer(actor: User, employer: Employer) -> None:
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
    locked = district_inputs_for(kind="work_for_training", district=claim_employer(claim).district)
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
            line_new(
                claim,
                facts,
                person=worker.person,
                inputs=inputs,
                share=Share.WORK_FOR_TRAINING,
                start=start,
                end=end,
            )
        )
    lines_save(claim, lines)


@transaction.atomic
def claim_create_work_for_training(
    *, actor: User, employer: Employer, workers: list[WorkerMonths], year: int | None = None
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
    locked = district_inputs_for(kind="apprenticeship", district=claim_employer(claim).district)
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
            line_new(
                claim,
                facts,
                person=apprentice.person,
                inputs=inputs,
                start=apprentice.start,
                end=apprentice.end,
            )
        )
    lines_save(claim, lines)


def _check_apprenticeship(stage: str, apprentices: list[Apprentice]) -> None:
    if stage not in {"advance", "completion", "early_end"}:
        raise ApplicationError("申领阶段应为开班预拨、结业清算或提前结束", field="stage")
    if not apprentices:
        raise ApplicationError("请至少填写一名学徒", field="apprentices")


@transaction.atomic
def claim_create_apprenticeship(
    *, actor: User, employer: Employer, stage: str, apprentices: list[Apprentice], year: int | None = None
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
    employer = claim_employer(claim)
    facts = facts_for([t.person.pk for t in trainees], exclude_claim_id=claim.pk, booked_only=False)
    locked = district_inputs(
        kind="enterprise", district=employer.district, on=training.start, end=training.end
    )
    materials = material_kinds_on_file(claim)  # none yet on a new claim; an edited draft keeps its own
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
            line_new(
                claim, facts, person=trainee.person, inputs=inputs, start=training.start, end=training.end
            )
        )
    lines_save(claim, lines)


@transaction.atomic
def claim_create_enterprise_direct(
    *, actor: User, employer: Employer, training: EnterpriseTraining, trainees: list[EnterpriseTrainee]
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


def _rows_summary(claim: Claim) -> dict[str, Any]:
    """What an edit changes, for the log: the year, the persons and the total."""
    return {
        "year": claim.year,
        "persons": sorted(claim.lines.values_list("person_id", flat=True)),
        "total": f"{claim.total:.2f}",
    }


def _replace_rows(claim: Claim, actor: User, fill: Callable[[], None], *, year: int, what: str) -> Claim:
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
    *, claim: Claim, actor: User, workers: list[WorkerMonths], year: int | None = None
) -> Claim:
    """The filer edits a draft or returned 以工代训 claim: its workers and months, quoted again."""
    claim = claim_lock(claim)
    claim_require_editable(claim, actor, "修改申领")
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
    *, claim: Claim, actor: User, stage: str, apprentices: list[Apprentice], year: int | None = None
) -> Claim:
    """The filer edits a draft or returned apprenticeship claim: its stage and apprentices."""
    claim = claim_lock(claim)
    claim_require_editable(claim, actor, "修改申领")
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
    *, claim: Claim, actor: User, training: EnterpriseTraining, trainees: list[EnterpriseTrainee]
) -> Claim:
    """The filer edits a draft or returned enterprise direct claim: the training and its trainees;
    the materials uploaded stay and count again (R4.3)."""
    claim = claim_lock(claim)
    claim_require_editable(claim, actor, "修改申领")
    if claim.kind != ClaimKind.ENTERPRISE_DIRECT:
        raise ApplicationError("该申领不是企业职工培训直补申领", field="kind")
    row = _check_enterprise(claim_employer(claim), training, trainees)
    claim.class_snapshot = _enterprise_snapshot(training, trainees, row)
    return _replace_rows(
        claim,
        actor,
        lambda: _fill_enterprise(claim, training, trainees, row),
        year=training.end.year,
        what="企业职工培训直补",
    )
