"""Who may draw, see, and record process-supervision inspections.

The municipal admin sees every inspection and may draw any district's week; a district officer
sees their district's and draws its week; the auditor reads everything. An inspection is recorded
by its inspector alone: a district officer of its district, or a third-party reviewer engaged in
it (`inspectors_for`, the one place that says who may inspect where). A third-party reviewer sees
only the inspections assigned to them. Other roles have no inspection pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from apps.accounts.models import Role, User
from apps.core.permissions import PermissionPolicy, is_active_user
from apps.institutions.models import ContractScope
from apps.institutions.permissions import contracts_in_force

from .models import Inspection, InspectionStatus

if TYPE_CHECKING:
    from apps.catalog.models import District

INSPECTION_ROLES = frozenset(
    {Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER, Role.AUDITOR}
)


def inspectors_for(district: District | Any) -> QuerySet[User]:
    """Who may inspect a district's sessions: its active district officers and the staff of the
    third-party agencies whose contract in force today engages them in the district for process
    supervision (过程监管, clause 七; apps.institutions)."""
    supervising = contracts_in_force().filter(
        **{ContractScope.PROCESS_SUPERVISION.value: True}, districts=district.pk
    )
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.DISTRICT_OFFICER, district_id=district.pk)
            | Q(role=Role.THIRD_PARTY_REVIEWER, agency_staff__agency__in=supervising.values("agency_id"))
        )
        .distinct()
        .order_by("pk")
    )


class InspectionPolicy(PermissionPolicy[Inspection]):
    """Actions: list, view, draw (`may_draw` for a district), record (the visit), photo, reassign
    (an inspection not yet visited, to another inspector: the district's officers, the admin)."""

    model = Inspection

    def visible(self, user: User) -> QuerySet[Inspection]:
        if not is_active_user(user) or user.role not in INSPECTION_ROLES:
            return Inspection.objects.none()
        if user.is_city_wide:
            return Inspection.objects.all()
        if user.role == Role.DISTRICT_OFFICER:
            return Inspection.objects.filter(district_id=user.district_id or 0)
        return Inspection.objects.filter(inspector_id=user.pk)

    def can(self, user: User, action: str, obj: Inspection | None = None) -> bool:
        if not is_active_user(user) or user.role not in INSPECTION_ROLES:
            return False
        if action == "list":
            return True
        if action == "draw":
            return user.role in (Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER)
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "reassign":
            district_officer = user.role == Role.DISTRICT_OFFICER and user.district_id == obj.district_id
            return obj.status == InspectionStatus.ASSIGNED and (
                user.role == Role.MUNICIPAL_ADMIN or district_officer
            )
        if action in ("record", "photo"):
            mine = obj.inspector_id == user.pk and inspectors_for(obj.district).filter(pk=user.pk).exists()
            return mine and (action == "photo" or obj.status == InspectionStatus.ASSIGNED)
        return False

    def may_draw(self, user: User, district: District | Any) -> bool:
        if not self.can(user, "draw"):
            return False
        return user.role == Role.MUNICIPAL_ADMIN or user.district_id == district.pk


inspection_policy = InspectionPolicy()
