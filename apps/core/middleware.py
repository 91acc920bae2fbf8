"""Middleware of our own that is not the API's (the API's are `idempotency` and, through DRF,
`throttling`)."""

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
