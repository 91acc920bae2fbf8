"""Claim lines as the rules engine computes them, and what a person already has.

Every line keeps the contract JSON it was quoted from (`inputs`) with everything the quote depends
on written into it: the district's settings in force (R5.4, R9.2), the person's other trainings
(`history`), what was already booked for the same training (`paid_before`) and whether an
apprenticeship is settled. So `python -m apps.rules quote` gives every stored line its stored
amount, with no database and no district settings.

What a person "already has" is read in two ways. When a line is filed or recomputed, every line
that is not refused, of a claim filed (a draft claims nothing yet), counts towards the limits
(R10.1: pending and approved lines count), so that the claimant and the officer see a clash early.
When a line is approved and booked, only what is booked (approved lines of approved or paid
claims) counts, under the persons' row locks: whatever the order of filing and approval, nothing
is booked beyond an entitlement.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from apps.catalog.engine import district_settings_for
from apps.catalog.models import District
from apps.rules import parse_scenario, quote, result_to_dict
from apps.rules.limits import per_year_limit_on

from .models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineDecision

ZERO = Decimal("0.00")
# The engine's kind of training for each claim kind, as the person's history records it.
HISTORY_KIND: dict[str, str] = {
    ClaimKind.CLASS_COMPLETION: "class",
    ClaimKind.ENTERPRISE_DIRECT: "enterprise",
    ClaimKind.WORK_FOR_TRAINING: "work_for_training",
    ClaimKind.APPRENTICESHIP: "apprenticeship",
}
# A line is booked in the special account when it is approved and its claim was finally approved
# (and perhaps paid); a reversal or a recovery refuses the line (apps.ledger).
BOOKED_CLAIMS = (ClaimStatus.APPROVED, ClaimStatus.PAID)
SETTLEMENT_STAGES = ("completion", "early_end")


@dataclass(frozen=True)
class Computed:
    amount: Decimal
    steps: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    rules_version: str
    entitlement: Decimal
    paid_months: tuple[str, ...] | None = None


def compute(inputs: dict[str, Any]) -> Computed:
    """Quote one line from its own inputs alone (nothing from the district or the database), and
    what the training is worth before anything booked earlier is deducted: for an advance, the
    full amount it is a share of (R5.5)."""
    result = quote(parse_scenario(inputs))
    data = result_to_dict(result)
    entitlement = result.amount
    if inputs.get("paid_before") or inputs.get("advance"):
        whole = {key: value for key, value in inputs.items() if key not in ("paid_before", "advance")}
        entitlement = quote(parse_scenario(whole)).amount
    months = data.get("paid_months")
    return Computed(
        result.amount,
        cast(list[dict[str, Any]], data["steps"]),
        cast(list[dict[str, Any]], data["findings"]),
        result.rules_version,
        entitlement,
        tuple(cast(list[str], months)) if months is not None else None,
    )


def district_inputs_for(*, kind: str, district: District) -> Callable[..., dict[str, Any]]:
    """`values(on, end=None)`: the district's settings a line of `kind` depends on, as contract
    fields to lock on it: in force on `on` (the class's approval, the apprenticeship's opening
    (R5.4), the first month claimed), and R10.1's limit on the training's end date. The settings
    of a day are read once however many lines ask (a roster of hundreds of workers)."""
    settings_on = functools.cache(lambda day: district_settings_for(district=district, on=day))

    def values(on: date, end: date | None = None) -> dict[str, Any]:
        settings = settings_on(on)
        out: dict[str, Any] = {}
        if kind == "work_for_training":
            out["monthly_amount"] = f"{settings.work_for_training_monthly_amount:.2f}"
            out["max_months"] = settings.work_for_training_max_months
        if kind == "apprenticeship":
            out["annual_amount"] = f"{settings.apprenticeship_annual_amount:.2f}"
        if kind == "enterprise":
            out["enterprise_uplift"] = f"{settings.enterprise_uplift.normalize():f}"
        if kind == "living_allowance":
            out["daily_amount"] = f"{settings.living_allowance_per_day:.2f}"
        if kind in ("class", "enterprise", "apprenticeship") and end is not None:
            out["per_year_limit"] = per_year_limit_on(end, settings_on(end))
        return out

    return values


def district_inputs(*, kind: str, district: District, on: date, end: date | None = None) -> dict[str, Any]:
    """The settings one line depends on (see `district_inputs_for`, for many lines)."""
    return district_inputs_for(kind=kind, district=district)(on, end)


def training_key(
    claim: Claim, *, enrolment_id: int | None = None, inputs: dict[str, Any] | None = None
) -> str:
    """Which training of the person a line pays for: lines with one key share one entitlement.
    A class's completion and its living allowance by the enrolment; an apprenticeship by enterprise
    and opening date (its advance and its settlement are one training); an enterprise's own
    training by what, when and where; 以工代训 by enterprise (its months are told apart by month)."""
    inputs = inputs or {}
    if claim.kind == ClaimKind.CLASS_COMPLETION:
        return f"class:{enrolment_id}"
    if claim.kind == ClaimKind.LIVING_ALLOWANCE:
        return f"living:{enrolment_id}"
    if claim.kind == ClaimKind.APPRENTICESHIP:
        return f"apprenticeship:{claim.employer_id}:{inputs.get('start')}"
    if claim.kind == ClaimKind.WORK_FOR_TRAINING:
        return f"wft:{claim.employer_id}"
    occupation = (inputs.get("occupation") or {}).get("code")
    return (
        f"enterprise:{claim.employer_id}:{occupation}:{inputs.get('level')}:"
        f"{inputs.get('start')}:{inputs.get('end')}"
    )


# What a person already has -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One of the person's lines, as the cross-claim rules see it."""

    line_id: int
    claim_id: int
    kind: str
    training_key: str
    entry: dict[str, Any] | None  # the contract's history entry; None for a living allowance
    amount: Decimal
    booked: bool
    settlement: bool  # an apprenticeship's completion or early end


@dataclass(frozen=True)
class Standing:
    """What one line is quoted against: the person's other trainings, what was booked for the
    same training, and whether it is an apprenticeship settled already."""

    history: list[dict[str, Any]] = field(default_factory=list)
    paid_before: Decimal = ZERO
    settled: bool = False


def _entry(line: ClaimLine, claim: Claim, months: list[date]) -> dict[str, Any] | None:
    if line.start is None or line.end is None:
        return None
    entry: dict[str, Any] = {
        "kind": HISTORY_KIND.get(claim.kind, "class"),
        "start": line.start.isoformat(),
        "end": line.end.isoformat(),
    }
    if claim.kind == ClaimKind.WORK_FOR_TRAINING:
        entry["months"] = [f"{m.year:04d}-{m.month:02d}" for m in sorted(months)]
    occupation = (line.inputs or {}).get("occupation") or {}
    if occupation.get("code"):
        entry["occupation_code"] = occupation["code"]
        entry["level"] = line.inputs.get("level")
    return entry


def fact_of(line: ClaimLine, claim: Claim, *, booked: bool, months: Iterable[date] = ()) -> Fact:
    return Fact(
        line.pk,
        claim.pk,
        claim.kind,
        line.training_key,
        _entry(line, claim, list(months)),
        line.amount,
        booked,
        claim.kind == ClaimKind.APPRENTICESHIP and claim.apprenticeship_stage in SETTLEMENT_STAGES,
    )


def facts_for(
    person_ids: Iterable[int], *, exclude_claim_id: int | None, booked_only: bool
) -> dict[int, list[Fact]]:
    """Each person's lines in other claims that count: every line not refused of a claim filed
    (submitted, not rejected), or with `booked_only` the booked ones only. Two queries: the
    lines, their months."""
    ids = list(dict.fromkeys(person_ids))
    counting = ClaimLine.objects.filter(person_id__in=ids).select_related("claim").order_by("start", "id")
    if booked_only:
        counting = counting.filter(decision=LineDecision.APPROVED, claim__status__in=BOOKED_CLAIMS)
    else:
        # A draft is not filed: it claims nothing until it is submitted (issue 14: a stray draft
        # blocked the next claim's months).
        counting = counting.exclude(decision=LineDecision.REJECTED).exclude(
            claim__status__in=(ClaimStatus.REJECTED, ClaimStatus.DRAFT)
        )
    if exclude_claim_id is not None:
        counting = counting.exclude(claim_id=exclude_claim_id)
    lines = list(counting)
    months: dict[int, list[date]] = defaultdict(list)
    wft = [line.pk for line in lines if line.claim.kind == ClaimKind.WORK_FOR_TRAINING]
    if wft:
        from .models import LineMonth

        for line_id, month in LineMonth.objects.filter(line_id__in=wft).values_list("line_id", "month"):
            months[line_id].append(month)
    facts: dict[int, list[Fact]] = {pid: [] for pid in ids}
    for line in lines:
        booked = line.decision == LineDecision.APPROVED and line.claim.status in BOOKED_CLAIMS
        facts[line.person_id].append(fact_of(line, line.claim, booked=booked, months=months[line.pk]))
    return facts


def standing(facts: Iterable[Fact], *, key: str, kind: str) -> Standing:
    """What a line of training `key` and claim kind `kind` is quoted against. Lines of the same
    training are not another training (R10): what they booked is deducted instead, and a booked
    settlement closes an apprenticeship (R5.5). 以工代训 lines see the same enterprise's 以工代训
    months (R3.5) and every other kind of training (R3.4), not other enterprises' 以工代训."""
    history: list[dict[str, Any]] = []
    paid_before, settled = ZERO, False
    for fact in facts:
        if fact.entry is None:
            same = fact.training_key == key
        elif kind == ClaimKind.WORK_FOR_TRAINING:
            same = False
            if fact.kind != ClaimKind.WORK_FOR_TRAINING or fact.training_key == key:
                history.append(fact.entry)
        else:
            same = fact.training_key == key
            if not same:
                history.append(fact.entry)
        if same and fact.booked:
            paid_before += fact.amount
            settled = settled or fact.settlement
    return Standing(history, paid_before, settled)


def with_standing(inputs: dict[str, Any], standing: Standing, *, kind: str) -> dict[str, Any]:
    """The line's inputs with what the person already has written in (the contract's fields)."""
    out = {key: value for key, value in inputs.items() if key not in ("paid_before", "settled")}
    if kind != ClaimKind.LIVING_ALLOWANCE:
        out["history"] = standing.history
    if standing.paid_before and kind != ClaimKind.WORK_FOR_TRAINING:
        out["paid_before"] = f"{standing.paid_before:.2f}"
    if standing.settled and kind == ClaimKind.APPRENTICESHIP:
        out["settled"] = True
    return out


def store_quote(line: ClaimLine, computed: Computed) -> None:
    """Write a quote onto its line (not saved); a 以工代训 line's months wait on it for
    `line_months_sync`."""
    line.amount = computed.amount
    line.steps = computed.steps
    line.findings = computed.findings
    line.rules_version = computed.rules_version
    line.entitlement = computed.entitlement
    line.paid_months = computed.paid_months  # type: ignore[attr-defined]


def line_months_sync(claim: Claim, lines: Iterable[ClaimLine]) -> None:
    """The month rows of saved 以工代训 lines: exactly the months each one's quote pays (R3.5)."""
    from .models import LineMonth

    if claim.kind != ClaimKind.WORK_FOR_TRAINING:
        return
    assert claim.employer_id is not None, "a 以工代训 claim is an employer's"
    lines = [line for line in lines if getattr(line, "paid_months", None) is not None]
    LineMonth.objects.filter(line__in=lines).delete()
    LineMonth.objects.bulk_create(
        LineMonth(
            line=line,
            person_id=line.person_id,
            employer_id=claim.employer_id,
            month=date.fromisoformat(f"{month}-01"),
        )
        for line in lines
        for month in line.paid_months  # type: ignore[attr-defined]
    )
