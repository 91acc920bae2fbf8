"""Who may start and see batch audits, and see and act on their findings.

District officers audit their own district (or one of its claims) and act on the findings there;
the municipal admin audits any scope and acts anywhere; the auditor reads everything. Other roles
have no audit pages: findings are the reviewers' working material, not the claimants'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.core.permissions import PermissionPolicy, is_active_user

from .models import WITNESS_SCOPES, AuditFinding, AuditRun, Scope

if TYPE_CHECKING:
    from apps.accounts.models import User

AUDIT_ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


def _officer_district(user: User) -> int | None:
    return user.district_id if user.role == Role.DISTRICT_OFFICER else None


class AuditRunPolicy(PermissionPolicy[AuditRun]):
    """Actions: list, view; `may_start` for a given scope."""

    model = AuditRun

    def visible(self, user: User) -> QuerySet[AuditRun]:
        if not is_active_user(user) or user.role not in AUDIT_ROLES:
            return AuditRun.objects.none()
        # A process-supervision visit's run is shown as its inspection (apps.inspections), a
        # trainee's dispute as their confirmation (apps.confirmations), not here.
        batch = AuditRun.objects.exclude(scope__in=WITNESS_SCOPES)
        if user.is_city_wide:
            return batch
        district = _officer_district(user)
        # An officer sees the city-wide runs (the nightly one) and their own district's.
        return batch.filter(Q(scope=Scope.ALL) | Q(district_id=district) | Q(claim__district_id=district))

    def can(self, user: User, action: str, obj: AuditRun | None = None) -> bool:
        if not is_active_user(user) or user.role not in AUDIT_ROLES:
            return False
        if action == "list":
            return True
        if action == "start":
            return user.role in (Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER)
        if action == "view" and obj is not None:
            return self.visible(user).filter(pk=obj.pk).exists()
        return False

    def may_start(self, user: User, *, scope: str, district: Any = None, claim: Any = None) -> bool:
        if not self.can(user, "start"):
            return False
        if user.role == Role.MUNICIPAL_ADMIN:
            return True
        own = _officer_district(user)
        if scope == Scope.DISTRICT:
            return district is not None and district.pk == own
        if scope == Scope.CLAIM:
            return claim is not None and claim.district_id == own
        return False


class AuditFindingPolicy(PermissionPolicy[AuditFinding]):
    """Actions: view, resolve (confirm, dismiss, open again)."""

    model = AuditFinding

    def visible(self, user: User) -> QuerySet[AuditFinding]:
        if not is_active_user(user) or user.role not in AUDIT_ROLES:
            return AuditFinding.objects.none()
        if user.is_city_wide:
            return AuditFinding.objects.all()
        return AuditFinding.objects.filter(district=_officer_district(user))

    def can(self, user: User, action: str, obj: AuditFinding | None = None) -> bool:
        if not is_active_user(user) or user.role not in AUDIT_ROLES:
            return False
        if action == "view":
            return obj is None or self.visible(user).filter(pk=obj.pk).exists()
        if action == "resolve":
            if user.role == Role.MUNICIPAL_ADMIN:
                return True
            own = _officer_district(user)
            return own is not None and (obj is None or obj.district_id == own)
        return False


audit_run_policy = AuditRunPolicy()
audit_finding_policy = AuditFindingPolicy()
