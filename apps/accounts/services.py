from __future__ import annotations

import logging
import secrets
from datetime import datetime
from importlib import import_module
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from rest_framework.authtoken.models import Token

from apps.core.errors import ApplicationError
from apps.core.middleware import MUST_CHANGE_MESSAGE

from .backends import ACCESS_ENDED_SESSION_KEY, client_ip, locked_message, username_key
from .extensions import access_refusal, password_reset_hooks
from .models import PasswordReset, Role, User
from .permissions import manages_accounts, user_policy

logger = logging.getLogger(__name__)

#: The temporary password's characters: no 0/O, 1/l/I to misread when it is read out.
TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
TEMPORARY_LENGTH = 12


class LoginLocked(ApplicationError):
    status_code = 429


class PasswordChangeRequired(ApplicationError):
    status_code = 403


def _minutes() -> int:
    return int(settings.LOGIN_LOCKOUT_WINDOW.total_seconds() // 60)


def address_failures_recent(*, ip_address: str | None) -> int:
    """Failed logins from one address within the lock-out window, whatever the usernames (the
    password-spraying throttle; axes' AccessFailureLog keeps one row per failure)."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.LOGIN_LOCKOUT_WINDOW
    return AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gte=since).count()


def user_authenticate(*, request: HttpRequest, username: str, password: str) -> User:
    """Check a username and password: the one door of the login page, the token API and (through
    the login page) the Django admin.

    django-axes counts failures per username + address (settings.AXES_LOCKOUT_PARAMETERS) and,
    once a pair is locked, its backend refuses it before any password is checked, so a correct
    guess during the lock-out gains nothing. An address with too many failures across usernames
    is refused before anything else. Every failure is in axes' audit tables; success clears the pair.
    """
    minutes = _minutes()
    if address_failures_recent(ip_address=client_ip(request)) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        raise LoginLocked(f"此网络地址登录失败次数过多，请 {minutes} 分钟后再试")
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise LoginLocked(locked_message())
        left = settings.AXES_FAILURE_LIMIT - getattr(request, "axes_failures_since_start", 0)
        raise ApplicationError(f"用户名或密码错误，再失败 {max(left, 1)} 次账号将被锁定 {minutes} 分钟")
    refusal = access_refusal(user)
    if refusal:  # the right password of an account whose access has ended (agency, contract)
        raise ApplicationError(refusal, rule="R7.1")
    return user


def user_unlock(*, username: str) -> int:
    """Lift every lock-out of a username, from every address (the admin's unlock); returns how many
    username + address pairs were counting. The audit (AccessFailureLog) stays."""
    return AxesProxyHandler.reset_attempts(username=username_key(username))


def user_access_end(*, user_ids: set[int], message: str) -> int:
    """End these users' API tokens and every unexpired session of theirs now (an agency's
    blacklisting, R7.1). A session's data, its sign-in with it, is cleared through its store (so a
    cached session goes too) and keeps only `message`, which AccessEndedMiddleware shows once on
    the login page the user is sent to. Reads each unexpired session once: a rare act. Returns how
    many sessions were ended."""
    if not user_ids:
        return 0
    Token.objects.filter(user_id__in=user_ids).delete()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = {str(pk) for pk in user_ids}
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) in wanted:
            ending = store(session_key=session.session_key)
            ending.clear()
            ending[ACCESS_ENDED_SESSION_KEY] = message
            ending.save()
            ended += 1
    return ended


def token_expires_at(token: Token) -> datetime:
    return token.created + settings.API_TOKEN_LIFETIME


@transaction.atomic
def _token_fresh(user: User) -> Token:
    """A new token for the user; the previous one, if any, stops working (one token per user)."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def auth_token_issue(*, request: HttpRequest, username: str, password: str) -> Token:
    """A fresh token for a username and password, through the login's lock-out. Each call replaces
    the user's previous token (rotation: a leaked old one stops working)."""
    user = user_authenticate(request=request, username=username, password=password)
    if user.must_change_password:
        raise PasswordChangeRequired(MUST_CHANGE_MESSAGE)
    return _token_fresh(user)


def auth_token_rotate(*, user: User) -> Token:
    """Replace the caller's token before it expires (the old one stops working at once)."""
    return _token_fresh(user)


def auth_token_revoke(*, user: User) -> int:
    """End the caller's token (the API's logout); returns how many were ended (0 or 1)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    district: Any = None,
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
    return user


@sensitive_variables("candidate")
def _temporary_password(user: User) -> str:
    """A random password that passes the portal's validators, letters and digits mixed."""
    while True:
        candidate = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        if not (any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate)):
            continue
        try:
            validate_password(candidate, user)
        except DjangoValidationError:
            continue
        return candidate


@sensitive_variables("temporary")
@transaction.atomic
def user_password_reset(*, actor: User, user_id: int) -> tuple[User, str]:
    """Reset the password of an account the actor manages (apps.accounts.permissions): a generated
    temporary password, returned to be shown to the actor once, which the user must change at
    their next login. The user's token is ended and, the password having changed, every session of
    theirs too (Django checks each session against the password); their lock-outs are lifted. The
    reset is logged (who, whom, when; never the password) and the user told (password_reset_hooks).
    """
    if not manages_accounts(actor):
        raise PermissionDenied("您无权重置账号密码")
    found = user_policy.get_for_action(actor, "reset_password", pk=user_id)
    user = User.objects.select_for_update().get(pk=found.pk)
    temporary = _temporary_password(user)
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    Token.objects.filter(user=user).delete()
    user_unlock(username=user.username)
    reset = PasswordReset.objects.create(user=user, actor=actor)
    for hook in password_reset_hooks:
        hook(reset)
    logger.info("password reset: user %s by user %s", user.pk, actor.pk)
    return user, temporary


@transaction.atomic
def user_password_change(*, user: User, password: str) -> User:
    """The user's own new password (the old one already checked by the form): it passes the
    portal's validators, differs from the current one, and ends the duty to change it."""
    if user.check_password(password):
        raise ApplicationError("新密码不能与当前密码相同", field="new_password2")
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ApplicationError("；".join(exc.messages), field="new_password2") from exc
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return user


def login_records_purge() -> dict[str, int]:
    """Expired API tokens, and the login audit (axes' AccessLog and AccessFailureLog) older than
    LOGIN_AUDIT_KEPT; returns how many rows of each went."""
    now = timezone.now()
    tokens, _ = Token.objects.filter(created__lte=now - settings.API_TOKEN_LIFETIME).delete()
    before = now - settings.LOGIN_AUDIT_KEPT
    logins, _ = AccessLog.objects.filter(attempt_time__lt=before).delete()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=before).delete()
    return {"tokens": tokens, "logins": logins, "failures": failures}
