"""The ledger's extensions, both ways.

What the claim page shows of the special account (registered with apps.claims.extensions): the
recoveries (追回) of the claim's lines, to everyone who sees the claim, the claimant included, each
also noted in its line's row.

Payment guards, which apps above the ledger register in their AppConfig.ready(): what they know
that must stop a line being paid (apps.publicity: a line not yet published, its notice period not
over, an objection not yet answered). `payment_record` refuses a line any guard names, and the
payment form shows why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from apps.claims.extensions import LineNote
from apps.core.templatetags.money import yuan

from .models import Recovery

if TYPE_CHECKING:
    from apps.accounts.models import User


def claim_recoveries_section(user: User, claim: Any) -> dict[str, Any] | None:
    recoveries = list(
        Recovery.objects.filter(claim_line__claim=claim).select_related("claim_line__person").order_by("pk")
    )
    if not recoveries:
        return None
    notes: dict[int, list[LineNote]] = {}
    for r in recoveries:
        owed = f"，应退回 {yuan(r.receivable)} 元（{r.get_status_display()}）" if r.receivable else ""
        notes.setdefault(r.claim_line_id, []).append(
            LineNote(
                rule=r.rule,
                severity="E",
                message=f"已追回 {yuan(r.amount)} 元{owed}：{r.reason}",
                rule_url=f"/rules/#{r.rule}" if r.rule.startswith("R") else reverse("audits:rules"),
                url="#recoveries",
                link_label="追回记录",
            )
        )
    return {"recoveries": recoveries, "line_notes": notes}


# Payment guards ---------------------------------------------------------------------------------
# Each takes line ids and returns, by line id, why each may not be paid yet (lines with nothing to
# say left out).

payment_guards: list[Callable[[list[int]], dict[int, list[str]]]] = []


def register_payment_guard(guard: Callable[[list[int]], dict[int, list[str]]]) -> None:
    payment_guards.append(guard)


def lines_not_payable(line_ids: list[int]) -> dict[int, list[str]]:
    """Why each of these lines may not be paid yet, by line id, as every registered guard says."""
    out: dict[int, list[str]] = {}
    if not line_ids:
        return out
    for guard in payment_guards:
        for line_id, reasons in guard(line_ids).items():
            out.setdefault(line_id, []).extend(reasons)
    return out
