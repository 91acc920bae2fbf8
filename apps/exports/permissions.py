"""Who may export, from which districts, and who reads the export log.

The ledger's readers export: the municipal admin and the auditor every district, a district
officer their own (apps.ledger.permissions.ledger_districts); third parties, institutions and
enterprises export nothing. Each user sees and downloads their own exports; the municipal admin
alone reads the log of everyone's. ID numbers are written in full for the municipal admin and
the district officer (who see them in full on the claim pages) and masked for the auditor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from apps.accounts.models import Role
from apps.catalog.models import District
from apps.core.permissions import PermissionPolicy, is_active_user
from apps.ledger.permissions import LEDGER_READERS, ledger_districts

from .models import ExportJob

if TYPE_CHECKING:
    from apps.accounts.models import User

EXPORTERS = LEDGER_READERS
FULL_ID_NUMBER_ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER})


def export_districts(user: User) -> QuerySet[District]:
    """The districts whose ledger and claims the user may export."""
    return ledger_districts(user)


def may_see_id_numbers(user: User) -> bool:
    return is_active_user(user) and user.role in FULL_ID_NUMBER_ROLES


class ExportJobPolicy(PermissionPolicy[ExportJob]):
    """Actions: add (start an export); view and download (one's own); view_log (everyone's
    exports: the municipal admin)."""

    model = ExportJob

    def visible(self, user: User) -> QuerySet[ExportJob]:
        if not is_active_user(user) or user.role not in EXPORTERS:
            return ExportJob.objects.none()
        return ExportJob.objects.filter(requested_by=user)

    def can(self, user: User, action: str, obj: ExportJob | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "add":
            return user.role in EXPORTERS
        if action == "view_log":
            return user.role == Role.MUNICIPAL_ADMIN
        if action in {"view", "download"} and obj is not None:
            return self.visible(user).filter(pk=obj.pk).exists()
        return False


export_policy = ExportJobPolicy()
