"""Home-page panel: the inspections assigned to the user that wait for a visit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .selectors import my_open_inspections

if TYPE_CHECKING:
    from apps.accounts.models import User

PANEL_ROWS = 5


def inspections_panel(user: User) -> dict[str, Any] | None:
    waiting = my_open_inspections(user=user)  # counted only when the panel is full
    rows = list(waiting[:PANEL_ROWS])
    return {
        "title": "我的过程监管检查",
        "rows": rows,
        "count": waiting.count() if len(rows) == PANEL_ROWS else len(rows),
    }
