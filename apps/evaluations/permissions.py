"""Who reads the agencies' scorecards and records their 考评: the municipal admin (every district,
and evaluates as the municipal bureau), a district officer (their district's figures; evaluates an
agency their district has contracted), the auditor (reads every district). Reviewers and the
institutions' and enterprises' users have no such pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from apps.accounts.models import Role, User
from apps.core.permissions import is_active_user
from apps.institutions.permissions import agency_engages_district

READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


class EvaluationPolicy:
    """Actions: list, view (an agency's scorecard), evaluate (an agency)."""

    def can(self, user: User, action: str, agency: Any = None) -> bool:
        if not is_active_user(user) or user.role not in READERS:
            return False
        if action in ("list", "view"):
            return True
        if action == "evaluate" and agency is not None:
            if user.role == Role.MUNICIPAL_ADMIN:
                return True
            return user.role == Role.DISTRICT_OFFICER and agency_engages_district(agency, user.district_id)
        return False

    def check(self, user: User, action: str, agency: Any = None) -> None:
        if not self.can(user, action, agency):
            raise PermissionDenied("您无权执行此操作")

    def districts(self, user: User) -> list[int] | None:
        """The districts whose figures the user reads: None for every district."""
        if user.role == Role.DISTRICT_OFFICER:
            return [user.district_id or 0]
        return None


evaluation_policy = EvaluationPolicy()
