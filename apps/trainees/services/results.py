"""Assessment results (考核结果): passed, failed or absent, and for a pass the certificate (R2.6).

Results are entered while the class is running; a running class is completed only when every
enrolled trainee has one (`results_required_for_completion`, run by the class lifecycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from django.db import transaction

from apps.classes.models import ClassStatus, TrainingClass
from apps.classes.permissions import is_class_operator
from apps.core import dates
from apps.core.bulk import upsert_rows
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record

from ..models import CertificateType, Enrolment, EnrolmentStatus, Outcome, Result
from ..services.attendance import SaveCounts

if TYPE_CHECKING:
    from apps.accounts.models import User

# Assessment comes at the end of training, and a completed class's results are final.
OPEN_FOR_RESULTS = (ClassStatus.RUNNING,)
# How many names the completion refusal lists before "等 N 人".
NAMES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One checked result, ready to save."""

    enrolment_id: int
    outcome: str
    certificate_type: str = ""
    certificate_number: str = ""
    certificate_date: date | None = None


def result_problems(
    *,
    training_class: TrainingClass,
    outcome: str,
    certificate_type: str,
    certificate_number: str,
    certificate_date: date | None,
) -> list[tuple[str, str]]:
    """What is wrong with one result, as (field, message) pairs; empty when it may be saved.
    R2.6: a pass is one of the four certificates, so a pass needs its type, number and date."""
    problems: list[tuple[str, str]] = []
    if outcome not in Outcome.values:
        return [("outcome", "考核结果应为 合格、不合格 或 缺考")]
    if outcome == Outcome.PASSED:
        if not certificate_type:
            problems.append(("certificate_type", "考核合格须填写证书类型 (R2.6)"))
        elif certificate_type not in CertificateType.values:
            problems.append(
                (
                    "certificate_type",
                    "证书类型应为 " + "、".join(map(str, CertificateType.labels)) + " (R2.6)",
                )
            )
        if not certificate_number:
            problems.append(("certificate_number", "考核合格须填写证书编号"))
        elif len(certificate_number) > 64:
            problems.append(("certificate_number", "证书编号超过 64 个字符"))
        if certificate_date is None:
            problems.append(("certificate_date", "考核合格须填写发证日期"))
        elif certificate_date < training_class.start_date:
            problems.append(
                ("certificate_date", f"发证日期 {certificate_date} 早于开班日期 {training_class.start_date}")
            )
        elif certificate_date > (today := dates.today()):
            problems.append(
                ("certificate_date", f"发证日期 {certificate_date} 晚于今天 {today}，不能填写将来的日期")
            )
    elif certificate_type or certificate_number or certificate_date:
        label = Outcome(outcome).label
        problems.append(("certificate_type", f"考核结果为“{label}”时不应填写证书类型、编号和发证日期"))
    return problems


def lock_class_for_results(*, actor: User, training_class: TrainingClass) -> TrainingClass:
    training_class = (
        TrainingClass.objects.select_for_update().select_related("institution").get(pk=training_class.pk)
    )
    if not is_class_operator(actor, training_class):
        raise ApplicationError("只有本班培训机构的经办人可以录入考核结果")
    if training_class.status not in OPEN_FOR_RESULTS:
        raise ApplicationError(
            f"{training_class.get_status_display()}的班级不能录入考核结果（开班中的班级方可录入）",
            field="status",
        )
    return training_class


@transaction.atomic
def result_record(
    *,
    actor: User,
    enrolment: Enrolment,
    outcome: str,
    certificate_type: str = "",
    certificate_number: str = "",
    certificate_date: date | None = None,
) -> Result:
    """Record or correct one trainee's result; logged on the result with the values before."""
    training_class = lock_class_for_results(actor=actor, training_class=enrolment.training_class)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ApplicationError(f"{enrolment.person.name} 已退出本班，不能录入考核结果", field="enrolment")
    certificate_number = certificate_number.strip()
    problems = result_problems(
        training_class=training_class,
        outcome=outcome,
        certificate_type=certificate_type,
        certificate_number=certificate_number,
        certificate_date=certificate_date,
    )
    if problems:
        field, message = problems[0]
        raise ApplicationError(message, field=field, rule="R2.6" if field == "certificate_type" else None)
    before = Result.objects.filter(enrolment=enrolment).first()
    values = {
        "outcome": outcome,
        "certificate_type": certificate_type,
        "certificate_number": certificate_number,
        "certificate_date": certificate_date,
    }
    result, _ = Result.objects.update_or_create(enrolment=enrolment, defaults=values)
    state_change_record(
        obj=result,
        actor=actor,
        from_state="" if before is None else before.outcome,
        to_state=outcome,
        reason=f"录入考核结果：{enrolment.person.name} {result.get_outcome_display()}",
        changes={
            name: [None if before is None else str(getattr(before, name) or ""), str(value or "")]
            for name, value in values.items()
        },
    )
    return result


class SavedResult(NamedTuple):
    """A result as upserted: its columns in order, the enrolment as a pk."""

    enrolment: int
    outcome: str
    certificate_type: str
    certificate_number: str
    certificate_date: date | None


@transaction.atomic
def results_save_many(
    *, actor: User, training_class: TrainingClass, rows: list[ResultRow], reason: str
) -> SaveCounts:
    """Save checked results of one class at once (an import): upsert per enrolment (a result
    keeps its created_at), one line in the class's log."""
    training_class = lock_class_for_results(actor=actor, training_class=training_class)
    enrolled = set(
        Enrolment.objects.filter(
            training_class=training_class,
            status=EnrolmentStatus.ENROLLED,
            pk__in=[row.enrolment_id for row in rows],
        ).values_list("pk", flat=True)
    )
    if len(enrolled) != len({row.enrolment_id for row in rows}) or len(rows) != len(enrolled):
        raise ApplicationError("考核结果须为本班在册学员各一条", field="rows")
    existing = set(
        Result.objects.filter(enrolment__training_class=training_class).values_list("enrolment_id", flat=True)
    )
    upsert_rows(
        Result,
        SavedResult._fields,
        [
            SavedResult(
                row.enrolment_id,
                row.outcome,
                row.certificate_type,
                row.certificate_number,
                row.certificate_date,
            )
            for row in rows
        ],
        unique_fields=("enrolment",),
    )
    updated = len(enrolled & existing)
    counts = SaveCounts(len(rows) - updated, updated)
    state_change_record(
        obj=training_class,
        actor=actor,
        from_state=training_class.status,
        to_state=training_class.status,
        reason=f"{reason}：新增 {counts.created} 条，更新 {counts.updated} 条考核结果",
        changes={"results": {"created": counts.created, "updated": counts.updated}},
    )
    return counts


def results_complete(training_class: TrainingClass) -> tuple[bool, list[str]]:
    """Whether every enrolled (not withdrawn) trainee has a result, and the names of those who lack one."""
    lacking = list(
        Enrolment.objects.filter(
            training_class=training_class, status=EnrolmentStatus.ENROLLED, result__isnull=True
        )
        .order_by("pk")
        .values_list("person__name", flat=True)
    )
    return not lacking, lacking


def results_required_for_completion(training_class: TrainingClass) -> None:
    """The class lifecycle's check before running → completed: every trainee has a result."""
    complete, lacking = results_complete(training_class)
    if complete:
        return
    names = "、".join(lacking[:NAMES_SHOWN])
    more = f"等 {len(lacking)} 人" if len(lacking) > NAMES_SHOWN else ""
    raise ApplicationError(
        f"尚有 {len(lacking)} 名学员未录入考核结果：{names}{more}，请录入后再结业",
        field="results",
        extra={"lacking": lacking},
    )
