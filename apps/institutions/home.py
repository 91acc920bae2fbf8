from __future__ import annotations

from typing import Any


def organisation_panel(user: Any) -> dict[str, Any] | None:
    institutions = list(user.institutions.select_related("district"))
    employers = list(user.employers.select_related("district", "parent"))
    if not institutions and not employers:
        return {"title": "所属单位", "institutions": [], "employers": [], "unlinked": True}
    return {"title": "所属单位", "institutions": institutions, "employers": employers, "unlinked": False}
