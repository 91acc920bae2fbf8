"""Middleware of our own that is not the API's (the API's are `idempotency` and, through DRF,
`throttling`): no-store for signed-in answers, and no NUL character reaching a query."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


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
