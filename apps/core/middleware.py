"""Middleware of our own that is not the API's (the API's are `idempotency` and, through DRF,
`throttling`): no-store for signed-in answers, no NUL character reaching a query, and a user whose
password was reset changes it before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

MUST_CHANGE_MESSAGE = "密码已被重置，请先登录门户修改临时密码"


class NoStoreWhenSignedInMiddleware:
    """Nothing shown to a signed-in user is kept by the browser or a proxy (issue 17): every
    answer to a signed-in request says `Cache-Control: no-store` (and private, no-cache), so the
    back button or a shared computer shows no claim, ID number or ledger after logging out. An
    answer that already decided its own caching keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class RejectNulMiddleware:
    """A NUL character in the path or the query string is a 400 before any view runs: PostgreSQL
    refuses it in every string, so a view that passed one on to a query answered 500 (a
    district code in ?district=, found by the contract tests). Forms and serializers already
    refuse NUL in the fields they read; this covers the parameters a view reads itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            from .views import bad_request

            return bad_request(request)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """After a reset by the district or the city (apps.accounts.services.user_password_reset) the
    user's flag `must_change_password` is set: until they change the temporary password, every
    page sends them to the change-password page and every API call by session answers a Chinese
    403 (a token call is refused by the token authentication, apps.accounts.backends). Logging
    out and the static files stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return self.get_response(request)
        change = reverse("accounts:password_change")
        if request.path in {change, reverse("accounts:logout")} or request.path.startswith(
            settings.STATIC_URL
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": MUST_CHANGE_MESSAGE}, status=403, json_dumps_params={"ensure_ascii": False}
            )
        return redirect(change)
