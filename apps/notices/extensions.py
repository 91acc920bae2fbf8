"""What apps.notices registers into the hooks of the apps below it (AppConfig.ready())."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import PasswordReset

from .services import notify


def notify_password_reset(reset: PasswordReset) -> None:
    """Tell the user whose password was reset: who reset it and when (never the password). They
    read it after changing the temporary one; an unexpected reset is theirs to report."""
    actor = reset.actor
    when = timezone.localtime(reset.created_at).strftime("%Y-%m-%d %H:%M")
    notify(
        recipients=[reset.user],
        kind="password_reset",
        title="您的登录密码已被重置",
        body=(
            f"{actor.get_role_display()} {actor} 于 {when} 重置了您的登录密码，"
            "原密码、接口令牌和已登录的会话均已失效。如非您本人申请，请立即与所属区县人力社保局联系。"
        ),
        link=reverse("accounts:password_change"),
    )
