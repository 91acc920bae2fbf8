"""Hooks apps.accounts offers the apps above it, filled in their AppConfig.ready(): apps.notices
tells a user that their password was reset (apps.notices.extensions)."""

from __future__ import annotations

from collections.abc import Callable

from .models import PasswordReset

PasswordResetHook = Callable[[PasswordReset], None]

#: Called in the reset's transaction, after its log row is written.
password_reset_hooks: list[PasswordResetHook] = []


def register_password_reset_hook(hook: PasswordResetHook) -> None:
    if hook not in password_reset_hooks:
        password_reset_hooks.append(hook)
