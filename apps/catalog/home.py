"""Home-page panels of the catalog: rate tables and settings of the districts a user serves."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts.models import Role

from .permissions import districts_visible_to, may_edit_district


def district_rates_panel(user: Any) -> dict[str, Any] | None:
    today = timezone.localdate()
    in_force = Q(rate_rows__effective_from__lte=today) & (
        Q(rate_rows__effective_to__isnull=True) | Q(rate_rows__effective_to__gte=today)
    )
    districts = list(
        districts_visible_to(user)
        .annotate(rows_in_force=Count("rate_rows", filter=in_force))
        .order_by("sort_order", "code")
    )
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
