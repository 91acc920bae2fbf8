"""What the claim page shows of the audits (registered with apps.claims.extensions): the current
findings on the claim's lines, each also noted in its line's row, and the findings on other claims
that name one of this claim's lines as the other line involved; with no findings, the run that
found none, or that no batch audit has covered the claim yet. Nothing for roles without audit
pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse

from apps.claims.extensions import LineNote

from ..models import FindingStatus, Scope
from ..permissions import audit_run_policy
from ..selectors import (
    claim_audited_by,
    claim_findings,
    claim_involved_findings,
    current_findings,
    finding_rows,
)

if TYPE_CHECKING:
    from apps.accounts.models import User


def _note(row: Any) -> LineNote:
    f = row.finding
    return LineNote(
        rule=row.rule.id,
        severity=row.rule.severity,
        message=row.message,
        rule_url=row.rule.url,
        url=reverse("audits:finding", args=[f.pk]),
        link_label=f"稽核疑点 #{f.pk} · {FindingStatus(f.status).label}",
    )


# The claim page lists this many findings in its section (each line's own row shows all of its
# own); the claim's findings page lists them all.
SECTION_LIMIT = 20


def claim_page_section(user: User, claim: Any, *, limit: int | None = SECTION_LIMIT) -> dict[str, Any] | None:
    if not audit_run_policy.can(user, "list"):
        return None
    # Most claims have no current finding on them or naming them: one cheap EXISTS spares the
    # two queries that read the findings with everything they show.
    named = current_findings(user=user).filter(Q(claim_id=claim.pk) | Q(other_claim_id=claim.pk))
    if named.exists():
        rows = finding_rows(findings=list(claim_findings(claim=claim, user=user)), user=user)
        involved = finding_rows(findings=list(claim_involved_findings(claim=claim, user=user)), user=user)
    else:
        rows, involved = [], []
    notes: dict[int, list[LineNote]] = {}
    for row in rows:
        if row.finding.line_id:
            notes.setdefault(row.finding.line_id, []).append(_note(row))
    return {
        "claim": claim,
        # Which run found nothing, asked only when nothing was found (one query).
        "audited_by": None if rows else claim_audited_by(claim=claim, user=user),
        "rows": rows[:limit],
        "more": len(rows) - len(rows[:limit]),
        "involved": involved[:limit],
        "more_involved": len(involved) - len(involved[:limit]),
        "line_notes": notes,
        "can_start": audit_run_policy.may_start(user, scope=Scope.CLAIM, claim=claim),
    }
