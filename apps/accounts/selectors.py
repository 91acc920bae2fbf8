from __future__ import annotations

from django.db.models import QuerySet

from .models import PasswordReset, User
from .permissions import password_resets_visible, user_policy


def users_managed(*, actor: User) -> QuerySet[User]:
    """The accounts the actor manages (apps.accounts.permissions), with what their list shows."""
    return user_policy.visible(actor).select_related("district").order_by("username")


def user_managed_get(*, actor: User, pk: int) -> User:
    """One account the actor manages; 404 outside their scope."""
    return user_policy.get_visible(actor, queryset=users_managed(actor=actor), pk=pk)


def password_resets(*, actor: User) -> QuerySet[PasswordReset]:
    return password_resets_visible(actor).select_related("user", "actor", "user__district")
