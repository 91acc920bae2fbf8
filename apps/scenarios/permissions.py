"""Who drafts and reads scenarios: a district officer for their district, the municipal admin for
one district or the whole city; the auditor reads every scenario. Nobody else."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from apps.accounts.models import Role, User
from apps.core.permissions import is_active_user

from .models import Scenario

ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


class ScenarioPolicy:
    def visible(self, user: User) -> QuerySet[Scenario]:
        if not is_active_user(user) or user.role not in ROLES:
            return Scenario.objects.none()
        if user.is_city_wide:
            return Scenario.objects.all()
        return Scenario.objects.filter(Q(district_id=user.district_id or 0) | Q(created_by=user))

    def can(self, user: User, action: str, district: Any = None) -> bool:
        if not is_active_user(user) or user.role not in ROLES:
            return False
        if action in ("list", "view"):
            return True
        if action == "create":
            if user.role == Role.MUNICIPAL_ADMIN:
                return True
            return (
                user.role == Role.DISTRICT_OFFICER
                and district is not None
                and district.pk == user.district_id
            )
        return False

    def may_draft(self, user: User) -> bool:
        return is_active_user(user) and user.role in (Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER)

    def city_wide(self, user: User) -> bool:
        """Whether the user may draft a scenario of the whole city."""
        return is_active_user(user) and user.role == Role.MUNICIPAL_ADMIN

    def check(self, user: User, action: str, district: Any = None) -> None:
        if not self.can(user, action, district):
            raise PermissionDenied("您无权执行此操作：区县经办人员只能推演本区县，全市推演由市级管理员发起")


scenario_policy = ScenarioPolicy()
