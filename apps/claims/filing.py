"""An enterprise claim filed from its header and its rows, whichever way the rows came: typed on
the claim form (each row's cleaned data) or uploaded as an Excel roster (apps.claims.rosters). The
persons are already found or registered (services.claim_create_with_persons); this maps the rows
onto the services' inputs and creates the claim draft, or fills the draft or returned claim being
edited. One mapping, so a typed row and an uploaded row become the same line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import services
from .models import Claim


def _workers(rows: Sequence[dict[str, Any]], persons: Sequence[Any]) -> list[services.WorkerMonths]:
    return [services.WorkerMonths(person, row["months"]) for row, person in zip(rows, persons, strict=True)]


def _apprentices(
    stage: str, rows: Sequence[dict[str, Any]], persons: Sequence[Any]
) -> list[services.Apprentice]:
    early = stage == "early_end"
    return [
        services.Apprentice(
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


def _training(header: dict[str, Any]) -> services.EnterpriseTraining:
    return services.EnterpriseTraining(
        name=header["training_name"],
        occupation=header["occupation"],
        level=header["level"],
        start=header["start"],
        end=header["end"],
        planned_online=header["planned_online"],
    )


def _trainees(rows: Sequence[dict[str, Any]], persons: Sequence[Any]) -> list[services.EnterpriseTrainee]:
    return [
        services.EnterpriseTrainee(
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
    actor: Any,
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
            return services.claim_update_work_for_training(
                claim=claim, actor=actor, year=header["year"], workers=workers
            )
        return services.claim_create_work_for_training(
            actor=actor, employer=header["employer"], year=header["year"], workers=workers
        )
    if kind == "apprenticeship":
        apprentices = _apprentices(header["stage"], rows, persons)
        if claim is not None:
            return services.claim_update_apprenticeship(
                claim=claim, actor=actor, stage=header["stage"], year=header["year"], apprentices=apprentices
            )
        return services.claim_create_apprenticeship(
            actor=actor,
            employer=header["employer"],
            stage=header["stage"],
            year=header["year"],
            apprentices=apprentices,
        )
    if kind == "enterprise":
        training, trainees = _training(header), _trainees(rows, persons)
        if claim is not None:
            return services.claim_update_enterprise_direct(
                claim=claim, actor=actor, training=training, trainees=trainees
            )
        return services.claim_create_enterprise_direct(
            actor=actor, employer=header["employer"], training=training, trainees=trainees
        )
    raise ValueError(f"not an enterprise claim kind: {kind}")
