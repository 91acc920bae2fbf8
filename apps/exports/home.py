"""The home-page panel of the auditor and the municipal admin: their latest exports and status."""

from __future__ import annotations

from typing import Any

from .selectors import export_jobs

PANEL_JOBS = 5


def exports_panel(user: Any) -> dict[str, Any]:
    return {"title": "数据导出", "jobs": list(export_jobs(user=user)[:PANEL_JOBS])}
