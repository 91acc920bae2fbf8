"""A claim's lines: quoted by the rules engine (apps.claims.engine) against what each person
already has, saved with the claim's totals; and undone for apps.ledger (a reversal, a recovery)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Sum
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.rules import ScenarioError
from apps.rules.enterprise import MATERIALS
from apps.trainees.models import Person

from ..engine import (
    Computed,
    Fact,
    compute,
    line_months_sync,
    standing,
    store_quote,
    training_key,
    with_standing,
)
from ..models import (
    Claim,
    ClaimLine,
    LineDecision,
    Share,
)
from .entitlement import line_months_book

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal("0.00")


def claim_recount(claim: Claim) -> None:
    """The claim's totals after its lines changed (a quote, a decision, a requote, a reversal)."""
    totals = claim.lines.aggregate(total=Sum("amount"))
    approved = claim.lines.filter(decision=LineDecision.APPROVED).aggregate(total=Sum("amount"))
    claim.total = totals["total"] or ZERO
    claim.approved_total = approved["total"] or ZERO
    claim.save(update_fields=["total", "approved_total", "updated_at"])


def line_quote(inputs: dict[str, Any], *, who: str = "") -> Computed:
    try:
        return compute(inputs)
    except ScenarioError as exc:
        raise ApplicationError(f"{who}测算输入有误：{exc.message}", field=exc.field) from exc


def line_new(
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
    store_quote(line, line_quote(inputs, who=f"{person.name}："))
    return line


def lines_save(claim: Claim, lines: list[ClaimLine]) -> None:
    ClaimLine.objects.bulk_create(lines)
    line_months_sync(claim, lines)
    claim_recount(claim)


def material_kinds_on_file(claim: Claim) -> list[str]:
    """The R4.3 materials on file (the kinds the engine knows; "other" proves nothing)."""
    return sorted(set(claim.materials.values_list("kind", flat=True)) & set(MATERIALS))


def claim_line_unbook(*, line: ClaimLine, actor: User, rule: str, reason: str) -> ClaimLine:
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
    claim_recount(line.claim)
    return line
