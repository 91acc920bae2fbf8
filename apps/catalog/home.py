"""Home-page panels of the catalog: rate tables and settings of the districts a user serves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.accounts.models import Role

from .permissions import may_edit_district
from .selectors import districts_with_rates_in_force

if TYPE_CHECKING:
    from apps.accounts.models import User


def district_rates_panel(user: User) -> dict[str, Any] | None:
    today = timezone.localdate()
    districts = list(districts_with_rates_in_force(user=user, on=today))
    if not districts:
        return None
    return {
        "title": "区县补贴标准" if len(districts) > 1 else f"{districts[0].name}补贴标准",
        "districts": districts,
        "editable": {d.pk for d in districts if may_edit_district(user, d)},
        "today": today,
        "missing": sum(1 for d in districts if d.rows_in_force == 0),
    }


PANEL_ROLES = [
    Role.MUNICIPAL_ADMIN,
    Role.DISTRICT_OFFICER,
    Role.THIRD_PARTY_REVIEWER,
    Role.AUDITOR,
    Role.INSTITUTION_OPERATOR,
    Role.ENTERPRISE_FILER,
]
