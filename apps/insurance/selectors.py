"""Reading the roster imports a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Role, User
from apps.catalog.models import District

from .models import RosterImport
from .permissions import roster_policy


def import_list(*, user: User) -> QuerySet[RosterImport]:
    return roster_policy.visible(user).select_related("district", "imported_by", "run")


def import_districts(*, user: User) -> QuerySet[District]:
    """The districts the user may import a roster for."""
    if user.role == Role.MUNICIPAL_ADMIN:
        return District.objects.order_by("code")
    return District.objects.filter(pk=user.district_id or 0)
