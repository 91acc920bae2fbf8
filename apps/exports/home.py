"""The home-page panel of the auditor and the municipal admin: their latest exports and status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .selectors import export_jobs

if TYPE_CHECKING:
    from apps.accounts.models import User

PANEL_JOBS = 5


def exports_panel(user: User) -> dict[str, Any]:
    return {"title": "数据导出", "jobs": list(export_jobs(user=user)[:PANEL_JOBS])}
