"""Template helpers of the audit pages, and the include for the claim page:

    {% load audits %}{% claim_audit_findings claim %}

shows the current findings on the claim's lines, each linking to the line and to the other claim
involved (as far as the viewer may open it); nothing for users without audit pages."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Change, FindingStatus, RunStatus
from ..permissions import audit_run_policy
from ..selectors import claim_findings, finding_rows

register = template.Library()

RUN_CLASSES = {
    RunStatus.QUEUED: "status-submitted",
    RunStatus.RUNNING: "status-submitted",
    RunStatus.FINISHED: "status-approved",
    RunStatus.FAILED: "status-rejected",
}
FINDING_CLASSES = {
    FindingStatus.OPEN: "status-returned",
    FindingStatus.CONFIRMED: "status-rejected",
    FindingStatus.DISMISSED: "status-approved",
}
CHANGE_CLASSES = {
    Change.APPEARED: "status-returned",
    Change.PERSISTING: "",
    Change.CLEARED: "status-approved",
}


@register.filter
def run_status_class(status: str) -> str:
    return RUN_CLASSES.get(status, "")


@register.filter
def finding_status_class(status: str) -> str:
    return FINDING_CLASSES.get(status, "")


@register.filter
def change_class(change: str) -> str:
    return CHANGE_CLASSES.get(change, "")


@register.filter
def finding_status_label(status: str) -> str:
    return str(FindingStatus(status).label) if status in FindingStatus.values else "—"


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key)


@register.inclusion_tag("audits/_claim_findings.html", takes_context=True)
def claim_audit_findings(context: dict[str, Any], claim: Any) -> dict[str, Any]:
    user = context["request"].user
    if not audit_run_policy.can(user, "list"):
        return {"hidden": True}
    findings = list(claim_findings(claim=claim, user=user))
    return {"rows": finding_rows(findings=findings, user=user), "claim": claim}
