"""Who may see and act on institutions and employers.

Officers read and act in their own district, third-party reviewers read institutions in the
districts that engaged them (R7.1), the municipal admin and the auditor read everything (the
auditor never acts), operators and filers read their own organisation only. Bank accounts are
shown in full only to the institution's own operators, the officer of its district and the
municipal admin; everyone else sees them masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from apps.accounts.models import Role
from apps.catalog.permissions import districts_visible_to, may_edit_district
from apps.core.permissions import PermissionPolicy, is_active_user

from .models import Employer, Institution

if TYPE_CHECKING:
    from apps.accounts.models import User

# Roles that read institutions by district (the operator reads its own through membership).
INSTITUTION_READERS = frozenset(
    {Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER, Role.AUDITOR}
)
EMPLOYER_READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


def _bank_account_readable(user: User) -> Any:
    """An SQL expression: may `user` read the row's bank account unmasked?"""
    if user.role == Role.MUNICIPAL_ADMIN:
        return Value(True)
    if user.role == Role.DISTRICT_OFFICER:
        return ExpressionWrapper(Q(district_id=user.district_id), output_field=BooleanField())
    if user.role == Role.INSTITUTION_OPERATOR:
        return Exists(Institution.members.through.objects.filter(institution_id=OuterRef("pk"), user=user))
    return Value(False)


class InstitutionPolicy(PermissionPolicy[Institution]):
    """Actions: view, list, change_details (own operators), change_status (officer of the
    district or admin; the transition table narrows it further), file (admin), recognise
    (occupations and levels, yearly evaluation: officer of the district or admin), set_high_skill
    (admin), view_bank_account."""

    model = Institution

    def visible(self, user: User) -> QuerySet[Institution]:
        if not is_active_user(user):
            return Institution.objects.none()
        if user.role == Role.INSTITUTION_OPERATOR:
            qs = Institution.objects.filter(members=user)
        elif user.role in INSTITUTION_READERS:
            qs = Institution.objects.filter(district__in=districts_visible_to(user))
        else:
            return Institution.objects.none()
        return qs.select_related("district", "employer")

    def with_bank_account_readable(self, user: User, qs: QuerySet[Institution]) -> QuerySet[Institution]:
        """Annotate each row with whether `user` may read its bank account unmasked, so a page
        of rows is masked without a query per row."""
        return qs.annotate(bank_account_readable=_bank_account_readable(user))

    def can(self, user: User, action: str, obj: Institution | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in INSTITUTION_READERS or user.role == Role.INSTITUTION_OPERATOR
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "view_bank_account":
            readable = getattr(obj, "bank_account_readable", None)
            if readable is not None:
                return bool(readable)
            return self.visible(user).filter(_bank_account_readable(user), pk=obj.pk).exists()
        if action == "change_details":
            return user.role == Role.INSTITUTION_OPERATOR and obj.members.filter(pk=user.pk).exists()
        if action in {"change_status", "recognise"}:
            return may_edit_district(user, obj.district)
        if action in {"file", "set_high_skill"}:
            return user.role == Role.MUNICIPAL_ADMIN
        return False


class EmployerPolicy(PermissionPolicy[Employer]):
    """Actions: view, list, change_details (own filers)."""

    model = Employer

    def visible(self, user: User) -> QuerySet[Employer]:
        if not is_active_user(user):
            return Employer.objects.none()
        if user.role == Role.ENTERPRISE_FILER:
            qs = Employer.objects.filter(members=user)
        elif user.role in EMPLOYER_READERS:
            qs = Employer.objects.filter(district__in=districts_visible_to(user))
        else:
            return Employer.objects.none()
        return qs.select_related("district", "parent")

    def can(self, user: User, action: str, obj: Employer | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in EMPLOYER_READERS or user.role == Role.ENTERPRISE_FILER
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "change_details":
            return user.role == Role.ENTERPRISE_FILER and obj.members.filter(pk=user.pk).exists()
        return False


institution_policy = InstitutionPolicy()
employer_policy = EmployerPolicy()
