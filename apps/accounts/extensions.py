"""Hooks apps.accounts offers the apps above it, filled in their AppConfig.ready(): apps.notices
tells a user that their password was reset (apps.notices.extensions); apps.institutions says when
a third-party reviewer's access has ended (agency blacklisted, no contract in force), which every
request of theirs asks (apps.accounts.backends: the session's middleware, the token authentication)
and the login refuses."""

from __future__ import annotations

from collections.abc import Callable

from .models import PasswordReset, User

PasswordResetHook = Callable[[PasswordReset], None]
#: Why the user may no longer use the portal, in Chinese, or None. Called on every signed-in request:
#: a guard answers None at once for the roles it does not concern, and asks one indexed query at most.
AccessGuard = Callable[[User], str | None]

#: Called in the reset's transaction, after its log row is written.
password_reset_hooks: list[PasswordResetHook] = []


def register_password_reset_hook(hook: PasswordResetHook) -> None:
    if hook not in password_reset_hooks:
        password_reset_hooks.append(hook)


access_guards: list[AccessGuard] = []


def register_access_guard(guard: AccessGuard) -> None:
    if guard not in access_guards:
        access_guards.append(guard)


def access_refusal(user: User) -> str | None:
    """Why `user` may no longer use the portal (the first guard that says so), or None."""
    for guard in access_guards:
        refusal = guard(user)
        if refusal:
            return refusal
    return None
