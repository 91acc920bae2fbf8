"""Claim lines as the rules engine computes them. Every line keeps the contract JSON it was
computed from (`inputs`), so any line can be re-quoted by `python -m apps.rules quote`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from apps.catalog.models import District
from apps.catalog.rules_bridge import district_settings_for
from apps.rules import parse_scenario, quote, result_to_dict
from apps.rules.apprenticeship import advance_cap, balance_after_advance
from apps.rules.money import yuan

from .models import ClaimKind, ClaimLine, LineDecision

# The engine's kind of training for each claim kind, as the person's history records it.
HISTORY_KIND = {
    ClaimKind.CLASS_COMPLETION: "class",
    ClaimKind.ENTERPRISE_DIRECT: "enterprise",
    ClaimKind.WORK_FOR_TRAINING: "work_for_training",
    ClaimKind.APPRENTICESHIP: "apprenticeship",
}


@dataclass(frozen=True)
class Computed:
    amount: Decimal
    steps: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    rules_version: str


def compute(inputs: dict[str, Any], *, district: District, on: date) -> Computed:
    """Quote one line's contract JSON under the district's settings in force on `on`."""
    result = quote(parse_scenario(inputs), district_settings_for(district=district, on=on))
    data = result_to_dict(result)
    return Computed(result.amount, data["steps"], data["findings"], result.rules_version)


def compute_advance(inputs: dict[str, Any], *, district: District, on: date) -> Computed:
    """R5.5: at most half of the full apprenticeship amount at opening."""
    full = compute(inputs, district=district, on=on)
    amount = advance_cap(full.amount, on=on) if full.amount else Decimal("0.00")
    step = {
        "rule": "R5.5",
        "text": "开班时预拨不超过全额的 50%，结业时从应拨金额中扣除",
        "arithmetic": f"{yuan(full.amount)} × 50% = {yuan(amount)}",
        "amount": f"{amount:.2f}",
    }
    return Computed(amount, [*full.steps, step], full.findings, full.rules_version)


def compute_after_advance(
    inputs: dict[str, Any], advanced: Decimal, *, district: District, on: date
) -> Computed:
    """R5.5: the completion (or early-end) amount less what was advanced at opening."""
    full = compute(inputs, district=district, on=on)
    balance = balance_after_advance(full.amount, advanced)
    amount = max(balance, Decimal("0.00"))
    step = {
        "rule": "R5.5",
        "text": "扣除开班时已预拨的金额" + ("；预拨多于应拨，差额须追回" if balance < 0 else ""),
        "arithmetic": f"{yuan(full.amount)} − {yuan(advanced)} = {yuan(balance)}",
        "amount": f"{amount:.2f}",
    }
    return Computed(amount, [*full.steps, step], full.findings, full.rules_version)


def histories_for(person_ids: list[int], *, exclude_claim_id: int | None) -> dict[int, list[dict[str, Any]]]:
    """Each person's other subsidised trainings as the contract's `history`, in one query: their
    lines in other claims that are not rejected (pending and approved lines count, R10.1)."""
    lines = (
        ClaimLine.objects.filter(person_id__in=person_ids, start__isnull=False, end__isnull=False)
        .exclude(decision=LineDecision.REJECTED)
        .exclude(claim__status="rejected")
        .select_related("claim")
        .order_by("start", "id")
    )
    if exclude_claim_id is not None:
        lines = lines.exclude(claim_id=exclude_claim_id)
    histories: dict[int, list[dict[str, Any]]] = {pid: [] for pid in person_ids}
    for line in lines:
        entry: dict[str, Any] = {
            "kind": HISTORY_KIND.get(line.claim.kind, "class"),
            "start": line.start.isoformat(),
            "end": line.end.isoformat(),
        }
        occupation = (line.inputs or {}).get("occupation") or {}
        if occupation.get("code"):
            entry["occupation_code"] = occupation["code"]
            entry["level"] = line.inputs.get("level")
        histories[line.person_id].append(entry)
    return histories
