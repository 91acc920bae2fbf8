from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Min
from django.utils import timezone

from .models import InstitutionStatus
from .permissions import institution_policy
from .selectors import institution_status_counts

if TYPE_CHECKING:
    from apps.accounts.models import User


def organisation_panel(user: User) -> dict[str, Any] | None:
    institutions = list(user.institutions.select_related("district"))
    employers = list(user.employers.select_related("district", "parent"))
    if not institutions and not employers:
        return {"title": "所属单位", "institutions": [], "employers": [], "unlinked": True}
    return {"title": "所属单位", "institutions": institutions, "employers": employers, "unlinked": False}


def institution_queue_panel(user: User) -> dict[str, Any] | None:
    """Institutions in the user's scope by status; applications awaiting recognition first,
    with the age of the oldest."""
    counts = institution_status_counts(user=user)
    if not any(counts.values()):
        return None
    oldest = (
        institution_policy.visible(user)
        .filter(status=InstitutionStatus.APPLIED)
        .aggregate(at=Min("created_at"))["at"]
    )
    return {
        "title": "培训机构",
        "statuses": [(value, label, counts[value]) for value, label in InstitutionStatus.choices],
        "applied": counts[InstitutionStatus.APPLIED],
        "oldest_days": (timezone.now() - oldest).days if oldest else None,
    }
