"""The hooks the settings name for logging in: django-axes' callables (whose username and address a
lock-out counts, and the answer to a locked request), the API's token authentication, and the
middleware that ends a signed-in session whose access has ended (extensions.access_refusal: a
third-party reviewer whose agency was blacklisted or whose last contract ended)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from apps.core.middleware import MUST_CHANGE_MESSAGE

from .extensions import access_refusal

#: Where a session ended by services.user_access_end keeps why, for the login page to say once.
ACCESS_ENDED_SESSION_KEY = "access_ended"
#: The rule an ended access cites: a third party acts only as its contract engages it (R7.1).
ACCESS_RULE = "R7.1"


def locked_message() -> str:
    minutes = int(settings.LOGIN_LOCKOUT_WINDOW.total_seconds() // 60)
    return f"登录失败次数过多，该账号在此地址已被锁定，请 {minutes} 分钟后再试或联系管理员解锁"


def username_key(raw: str) -> str:
    return raw.strip().lower()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a lock-out counts: as typed, trimmed and lower-cased (so `Admin` and `admin`
    are one account's failures), whether or not the account exists."""
    raw = (credentials or {}).get("username")
    if raw is None:
        data = getattr(request, "data", None) or request.POST
        raw = data.get("username")
    return username_key(str(raw)) if raw is not None else None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES reverse proxies the
    address the outermost of them appended to X-Forwarded-For. Entries a client wrote into the
    header itself stand left of those and are never read."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote  # the proxies did not set the header: not a request through them
    return forwarded[-proxies]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """axes' middleware answer for a locked request: the view's own (the login page and the token
    API already say, in Chinese and with 429, that the account is locked here and for how long)."""
    if original_response is not None:
        return original_response
    return HttpResponse(
        locked_message(),
        status=429,
        content_type="text/plain; charset=utf-8",
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with a lifetime: a token older than API_TOKEN_LIFETIME is
    deleted and refused with 401 (its holder obtains a new one). Obtaining a token or rotating
    it replaces the previous one (apps.accounts.services.auth_token_issue, auth_token_rotate)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token.created + settings.API_TOKEN_LIFETIME <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新取得令牌（POST /api/v1/auth/token）")
        if user.must_change_password:  # a reset ends the tokens; this holds should one survive
            raise exceptions.PermissionDenied(MUST_CHANGE_MESSAGE)
        refusal = access_refusal(user)
        if refusal:  # blacklisting deletes the tokens; a contract's end is seen here, the next call
            token.delete()
            raise exceptions.AuthenticationFailed(refusal)
        return user, token


class AccessEndedMiddleware:
    """A signed-in session whose user may no longer use the portal (extensions.access_refusal) ends
    on its next request: the user is logged out; a page is sent to the login page, which says why;
    an API call by session answers 401 in the API's error shape. A session already ended by
    services.user_access_end says why on its next page. Placed after the messages middleware, so
    the login page can show the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None:
            return self.get_response(request)
        if not user.is_authenticated:
            ended = request.session.pop(ACCESS_ENDED_SESSION_KEY, None)
            if ended:  # a session ended from elsewhere (a blacklisting): say why, once
                messages.error(request, ended)
            return self.get_response(request)
        refusal = access_refusal(user)
        if not refusal:
            return self.get_response(request)
        logout(request)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": refusal, "rule": ACCESS_RULE},
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
            response["WWW-Authenticate"] = "Token"
            return response
        messages.error(request, refusal)
        return redirect(settings.LOGIN_URL)
