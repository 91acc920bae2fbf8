"""An enterprise claim filed from its rows: each person found or registered in the real-name
registry (`claim_create_with_persons`), then the rows, typed on the claim form or uploaded as an
Excel roster (apps.claims.imports), mapped onto the services' inputs (`claim_file`) and the
claim draft created, or the draft or returned claim being edited filled. One mapping, so a typed
row and an uploaded row become the same line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.trainees.models import Person
from apps.trainees.services.persons import person_register_or_get

from ..models import (
    Claim,
)
from .employer_claims import (
    Apprentice,
    EnterpriseTrainee,
    EnterpriseTraining,
    WorkerMonths,
    claim_create_apprenticeship,
    claim_create_enterprise_direct,
    claim_create_work_for_training,
    claim_update_apprenticeship,
    claim_update_enterprise_direct,
    claim_update_work_for_training,
)

if TYPE_CHECKING:
    from apps.accounts.models import User


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


def _workers(rows: Sequence[dict[str, Any]], persons: Sequence[Any]) -> list[WorkerMonths]:
    return [WorkerMonths(person, row["months"]) for row, person in zip(rows, persons, strict=True)]


def _apprentices(stage: str, rows: Sequence[dict[str, Any]], persons: Sequence[Any]) -> list[Apprentice]:
    early = stage == "early_end"
    return [
        Apprentice(
            person=person,
            start=row["start"],
            end=row["end"],
            planned_months=row["planned_months"],
            passed=row["passed"],
            actual_months=row["actual_months"] if early else None,
            early_end=row["early_end"] if early else None,
            early_end_reason=row["early_end_reason"] if early else "",
        )
        for row, person in zip(rows, persons, strict=True)
    ]


def _training(header: dict[str, Any]) -> EnterpriseTraining:
    return EnterpriseTraining(
        name=header["training_name"],
        occupation=header["occupation"],
        level=header["level"],
        start=header["start"],
        end=header["end"],
        planned_online=header["planned_online"],
    )


def _trainees(rows: Sequence[dict[str, Any]], persons: Sequence[Any]) -> list[EnterpriseTrainee]:
    return [
        EnterpriseTrainee(
            person=person,
            relation=row["relation"],
            attended_offline=row["attended_offline"],
            attended_online=row["attended_online"] or 0,
            passed=row["passed"],
        )
        for row, person in zip(rows, persons, strict=True)
    ]


def claim_file(
    *,
    actor: User,
    kind: str,
    header: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    persons: Sequence[Any],
    claim: Claim | None = None,
) -> Claim:
    """Create the claim draft of `kind` (the slug of its page: work-for-training, apprenticeship or
    enterprise) for the header form's data and the rows'
    data, row i being persons[i]; or, given `claim`, fill that draft or returned claim instead."""
    if kind == "work-for-training":
        workers = _workers(rows, persons)
        if claim is not None:
            return claim_update_work_for_training(
                claim=claim, actor=actor, year=header["year"], workers=workers
            )
        return claim_create_work_for_training(
            actor=actor, employer=header["employer"], year=header["year"], workers=workers
        )
    if kind == "apprenticeship":
        apprentices = _apprentices(header["stage"], rows, persons)
        if claim is not None:
            return claim_update_apprenticeship(
                claim=claim, actor=actor, stage=header["stage"], year=header["year"], apprentices=apprentices
            )
        return claim_create_apprenticeship(
            actor=actor,
            employer=header["employer"],
            stage=header["stage"],
            year=header["year"],
            apprentices=apprentices,
        )
    if kind == "enterprise":
        training, trainees = _training(header), _trainees(rows, persons)
        if claim is not None:
            return claim_update_enterprise_direct(
                claim=claim, actor=actor, training=training, trainees=trainees
            )
        return claim_create_enterprise_direct(
            actor=actor, employer=header["employer"], training=training, trainees=trainees
        )
    raise ValueError(f"not an enterprise claim kind: {kind}")
