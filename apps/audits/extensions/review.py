"""What the audits tell the claims' review (registered with apps.claims.extensions as a review
guard): a line with a current confirmed finding may not be approved until the finding is dismissed
with a reason, and the final approval of a claim with current open findings on its lines asks the
officer to acknowledge them (the claim's state change logs the acknowledgement). One query each,
whatever the number of lines, on every current finding whoever approves (the guard is the portal's
own check, not a page: selectors.current_findings_unscoped)."""

from __future__ import annotations

from typing import Any

from ..engine import catalogue, sampling
from ..models import AuditFinding, FindingStatus
from ..selectors import claim_sample, current_findings_unscoped


def blocking_findings(line_ids: list[int]) -> dict[int, list[str]]:
    """Why each of these lines may not be approved: its current confirmed findings."""
    if not line_ids:
        return {}
    confirmed = (
        current_findings_unscoped()
        .filter(line_id__in=list(line_ids), status=FindingStatus.CONFIRMED)
        .order_by("line_id", "rule", "pk")
        .values_list("pk", "line_id", "rule")
    )
    out: dict[int, list[str]] = {}
    for pk, line_id, rule in confirmed:
        out.setdefault(line_id, []).append(
            f"稽核疑点 #{pk}（{rule}）已确认，须先重新打开并排除该疑点、说明理由，才能审核通过"
        )
    return out


def pending_findings(claim: Any) -> list[str]:
    """The current open findings on the claim's lines, one message each."""
    findings = (
        current_findings_unscoped()
        .filter(claim_id=claim.pk, line_id__isnull=False, status=FindingStatus.OPEN)
        .order_by("line_id", "rule", "pk")
        .values_list("pk", "line_id", "rule", "details")
    )
    out = []
    for pk, line_id, rule, details in findings:
        severity = catalogue.rule_of(rule).severity if rule in catalogue.BY_ID else "?"
        out.append(f"稽核疑点 #{pk} 明细 #{line_id} {rule} [{severity}] {catalogue.message(rule, details)}")
    return out


def flagging_findings() -> Any:
    """The findings that make their claim one "with findings" in the claims' list (registered as a
    finding source with apps.claims.extensions): the current ones on a line, open or confirmed
    (a dismissed finding, or one a newer run no longer finds, flags nothing). Read through the
    partial index audit_finding_flags_claim."""
    return AuditFinding.objects.filter(
        current=True, status__in=[FindingStatus.OPEN, FindingStatus.CONFIRMED], line__isnull=False
    )


def sampled_line_by_line(claim: Any) -> list[str]:
    """Why a sampled claim's pending lines may not be approved at once (its sampling's wording)."""
    row = claim_sample(claim_id=claim.pk)
    if row is None or not row.line_by_line:
        return []
    return [f"{sampling.wording(row)}。请逐条审核每条明细"]
