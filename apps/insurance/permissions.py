"""Who imports and reads the social-insurance roster: a district officer for their district, the
municipal admin for any; the auditor reads every district's imports. Nobody else sees it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from apps.accounts.models import Role, User
from apps.core.permissions import is_active_user

from .models import RosterImport

ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


class RosterPolicy:
    """Actions: list, view (an import), import (`may_import` for a district)."""

    def visible(self, user: User) -> QuerySet[RosterImport]:
        if not is_active_user(user) or user.role not in ROLES:
            return RosterImport.objects.none()
        if user.is_city_wide:
            return RosterImport.objects.all()
        return RosterImport.objects.filter(district_id=user.district_id or 0)

    def can(self, user: User, action: str) -> bool:
        if not is_active_user(user) or user.role not in ROLES:
            return False
        if action in ("list", "view"):
            return True
        if action == "import":
            return user.role in (Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER)
        return False

    def may_import(self, user: User, district: Any) -> bool:
        if not self.can(user, "import"):
            return False
        return user.role == Role.MUNICIPAL_ADMIN or user.district_id == district.pk

    def check_import(self, user: User, district: Any) -> None:
        if not self.may_import(user, district):
            raise PermissionDenied("您无权导入该区县的社保参保名单：区县经办人员只能导入本区县")


roster_policy = RosterPolicy()
