"""Entitlement across claims: what a line may still be booked for, decided at approval.

A line is quoted when it is filed against everything its person has that is not refused, so a
clash shows early. What counts for money is what is booked: when an officer approves a line, and
again when the claim is finally approved and booked, each line is quoted again, under the row
locks of its persons, against what is already booked for them (approved lines of approved or paid
claims, apps.claims.engine.BOOKED_CLAIMS) and the lines of the same claim approved before it:

- what was booked for the same training is deducted (an apprenticeship's advance, R5.5; a class
  already paid, R10.2) and a settled apprenticeship gets nothing more;
- R10.1, R10.2, R10.3 and R3.4 look at the booked trainings;
- 以工代训 months already booked at the enterprise are not paid again (R3.5); the month rows'
  constraint makes a second booking impossible.

So the amount booked is always the engine's at that moment, and nothing is booked beyond an
entitlement, whatever the order of filing and approval. The quote that results is stored on the
line (inputs, amount, steps, findings), so the line re-quotes to its amount on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from apps.trainees.models import Person

from ..engine import Fact, compute, fact_of, facts_for, line_months_sync, standing, store_quote, with_standing
from ..models import Claim, ClaimLine, LineMonth

# Findings an officer judges: a W (提示) is accepted with a written reason, an O (原则上不允许)
# overridden with one. An E is never approved.
JUDGED = ("W", "O")
# What a quote writes on its line.
QUOTED = ("inputs", "amount", "steps", "findings", "rules_version", "entitlement")


def judged(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f.get("severity") in JUDGED]


def judged_rules(findings: Iterable[dict[str, Any]]) -> set[str]:
    return {f["rule"] for f in judged(findings)}


@dataclass(frozen=True)
class Requoted:
    """A line quoted again against what is booked: its amount and findings before and after."""

    line: ClaimLine
    amount_before: Decimal
    findings_before: list[dict[str, Any]]

    @property
    def changed(self) -> bool:
        return self.line.amount != self.amount_before or self.line.findings != self.findings_before

    @property
    def new_judged(self) -> set[str]:
        """W and O rules the line has now and did not have when the officer looked at it."""
        return judged_rules(self.line.findings) - judged_rules(self.findings_before)


def persons_lock(person_ids: Iterable[int]) -> None:
    """Row locks on the persons, always in id order (two approvals of one person wait for each
    other, never deadlock): what one approval reads as booked cannot change until it commits."""
    list(Person.objects.select_for_update().filter(pk__in=set(person_ids)).order_by("pk").values_list("pk"))


def _months(line: ClaimLine) -> list[date]:
    return [date.fromisoformat(f"{m}-01") for m in (getattr(line, "paid_months", None) or ())]


def lines_requote_against_booked(
    *, claim: Claim, lines: list[ClaimLine], approved_before: Iterable[ClaimLine] = ()
) -> list[Requoted]:
    """Quote `lines` of `claim` again, in id order, against what their persons have booked, the
    lines `approved_before` of the same claim, and each other (a line counts as booked for the
    lines after it). Saves the lines whose quote changed, and the months of all; call inside a
    transaction."""
    lines = sorted(lines, key=lambda line: line.pk)
    approved_before = list(approved_before)
    persons_lock([line.person_id for line in [*lines, *approved_before]])
    facts: dict[int, list[Fact]] = defaultdict(list)
    facts.update(facts_for([line.person_id for line in lines], exclude_claim_id=claim.pk, booked_only=True))
    if approved_before:
        months: dict[int, list[date]] = defaultdict(list)
        for line_id, month in LineMonth.objects.filter(line__in=approved_before).values_list(
            "line_id", "month"
        ):
            months[line_id].append(month)
        for line in approved_before:
            facts[line.person_id].append(fact_of(line, claim, booked=True, months=months[line.pk]))
    out = []
    changed = []
    for line in lines:
        before = Requoted(line, line.amount, list(line.findings))
        stored = [getattr(line, f) for f in QUOTE_FIELDS]  # replaced below, never changed in place
        mine = standing(facts[line.person_id], key=line.training_key, kind=claim.kind)
        line.inputs = with_standing(line.inputs, mine, kind=claim.kind)
        store_quote(line, compute(line.inputs))
        if [getattr(line, f) for f in QUOTE_FIELDS] != stored:
            changed.append(line)
        facts[line.person_id].append(fact_of(line, claim, booked=True, months=_months(line)))
        out.append(before)
    # The lines whose quote changed; a line quoted as stored is left as it is. One save each:
    # bulk_update's CASE per field and line cost more CPU than 50 plain UPDATEs (measured).
    for line in changed:
        line.save(update_fields=[*QUOTE_FIELDS, "updated_at"])  # updated_at: auto_now
    line_months_sync(claim, lines)
    return out


# What a quote writes on its line (engine.store_quote, with the inputs it was made from).
QUOTE_FIELDS = ("inputs", "amount", "steps", "findings", "rules_version", "entitlement")


def line_months_book(line_ids: Iterable[int], *, booked: bool) -> None:
    """The months of these 以工代训 lines enter (approval) or leave (reversal, recovery) the special
    account; a month of one worker at one enterprise is booked once (constraint)."""
    LineMonth.objects.filter(line_id__in=list(line_ids)).update(booked=booked)
