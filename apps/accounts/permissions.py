"""Who manages whose account (issue 17, item 7): the municipal admin resets the password of any
user who is not a municipal admin (officers, reviewers, institutions, enterprises, auditors); a
district officer resets those of the institution operators and enterprise filers of their own
district. Nobody resets their own (they change it) and nobody else manages accounts. An account
outside the manager's scope answers 404; a user who manages nobody is refused the pages (403).
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.permissions import PermissionPolicy, is_active_user

from .models import PasswordReset, Role, User

ACCOUNT_MANAGERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER})
#: The accounts a district officer manages, in their own district.
DISTRICT_MANAGED_ROLES = frozenset({Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_FILER})


def manages_accounts(user: User) -> bool:
    return is_active_user(user) and user.role in ACCOUNT_MANAGERS


class UserPolicy(PermissionPolicy[User]):
    """Actions: reset_password (of a visible account)."""

    model = User

    def visible(self, user: User) -> QuerySet[User]:
        if not manages_accounts(user):
            return User.objects.none()
        others = User.objects.exclude(pk=user.pk)
        if user.role == Role.MUNICIPAL_ADMIN:
            return others.exclude(role=Role.MUNICIPAL_ADMIN)
        if user.district_id is None:
            return User.objects.none()
        return others.filter(role__in=DISTRICT_MANAGED_ROLES, district_id=user.district_id)

    def can(self, user: User, action: str, obj: User | None = None) -> bool:
        if action != "reset_password" or not manages_accounts(user):
            return False
        return obj is None or self.visible(user).filter(pk=obj.pk).exists()


user_policy = UserPolicy()


def password_resets_visible(user: User) -> QuerySet[PasswordReset]:
    """The reset log: the municipal admin's is the city's; an officer's, the resets of the
    accounts they manage (whoever reset them)."""
    if not manages_accounts(user):
        return PasswordReset.objects.none()
    if user.role == Role.MUNICIPAL_ADMIN:
        return PasswordReset.objects.all()
    return PasswordReset.objects.filter(user__in=user_policy.visible(user))
