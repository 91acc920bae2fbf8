"""What the claim page shows of the special account (registered with apps.claims.extensions): the
recoveries (追回) of the claim's lines, to everyone who sees the claim, the claimant included, each
also noted in its line's row."""

from __future__ import annotations

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
