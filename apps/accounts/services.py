from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.core.errors import ApplicationError

from .models import LoginFailure, Role, User


class LoginLocked(ApplicationError):
    status_code = 429


def _username_key(username: str) -> str:
    return username.strip().lower()


def login_failures_recent(*, username: str) -> int:
    since = timezone.now() - settings.LOGIN_LOCKOUT_WINDOW
    return LoginFailure.objects.filter(username=_username_key(username), created_at__gte=since).count()


def user_authenticate(*, request: Any, username: str, password: str) -> User:
    """Check a username and password, with lock-out after repeated failures.

    A locked username is refused before its password is checked, so a correct guess during
    the lock-out window gains nothing. Success clears the failures.
    """
    limit = settings.LOGIN_FAILURE_LIMIT
    minutes = int(settings.LOGIN_LOCKOUT_WINDOW.total_seconds() // 60)
    if login_failures_recent(username=username) >= limit:
        raise LoginLocked(f"登录失败次数过多，该账号已被锁定，请 {minutes} 分钟后再试或联系管理员解锁")
    user = authenticate(request, username=username, password=password)
    if user is None:
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
        LoginFailure.objects.create(username=_username_key(username), ip_address=ip)
        left = limit - login_failures_recent(username=username)
        if left <= 0:
            raise LoginLocked(f"登录失败次数过多，该账号已被锁定，请 {minutes} 分钟后再试或联系管理员解锁")
        raise ApplicationError(f"用户名或密码错误，再失败 {left} 次账号将被锁定 {minutes} 分钟")
    LoginFailure.objects.filter(username=_username_key(username)).delete()
    return user


def user_unlock(*, username: str) -> int:
    deleted, _ = LoginFailure.objects.filter(username=_username_key(username)).delete()
    return deleted


def auth_token_issue(*, request: Any, username: str, password: str) -> str:
    user = user_authenticate(request=request, username=username, password=password)
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    district: Any = None,
    engaged_districts: Any = (),
    is_staff: bool = False,
) -> User:
    if role not in Role.values:
        raise ApplicationError(f"未知角色 {role}", field="role")
    if role == Role.DISTRICT_OFFICER and district is None:
        raise ApplicationError("区县经办人员必须指定所属区县", field="district")
    user = User(username=username, role=role, full_name=full_name, district=district, is_staff=is_staff)
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ApplicationError("；".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if engaged_districts:
        user.engaged_districts.set(engaged_districts)
    return user
