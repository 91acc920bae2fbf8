"""Home-page panels: the findings waiting in the officer's district (or the city, for the admin)
with the latest run, and the latest runs for the auditor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .permissions import audit_run_policy
from .selectors import open_findings_summary, run_list, run_progress

if TYPE_CHECKING:
    from apps.accounts.models import User


def findings_panel(user: User) -> dict[str, Any]:
    latest = run_list(user=user).first()
    return {
        "title": "稽核疑点",
        "summary": open_findings_summary(user=user),
        "latest": latest,
        "progress": run_progress(latest) if latest else None,
        "can_start": audit_run_policy.can(user, "start"),
    }


def auditor_panel(user: User) -> dict[str, Any]:
    return {"title": "最近的批量稽核", "runs": list(run_list(user=user)[:5])}
