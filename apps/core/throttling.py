"""Throttling. The API: one DRF throttle for every view, its scope chosen by what the request does.

- ``login``: obtaining a token (``POST /api/v1/auth/token``), counted per address: tight;
- ``quote``: the quote calculator (``POST /api/v1/quotes``), which writes nothing: generous;
- ``write``: every other POST, PUT, PATCH and DELETE: tighter;
- ``read``: everything else.

A caller is counted per API token when it sends one, else per signed-in user, else per address.
The rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read on every request (so tests and
deployments can change them). Beyond its rate a caller gets 429 with ``Retry-After`` and a Chinese
message (`apps.core.apis.exception_handler`). Counters live in the default cache: Redis when
``CACHE_URL`` is set, so that every worker process counts together.

Pages anyone may open without a login (the public notices of apps.publicity) are counted per
address by `throttle_pages` (``PUBLIC_PAGES_PER_MINUTE``, a POST also ``PUBLIC_OBJECTIONS_PER_HOUR``),
answered beyond it with the page 429.html and ``Retry-After``.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views reads the throttle setting, which names this module
    from rest_framework.request import Request
    from rest_framework.views import APIView

LOGIN_PATH: Final = "/api/v1/auth/token"
QUOTE_PATH: Final = "/api/v1/quotes"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def token_caller(key: str) -> str:
    """A token as throttles and idempotency keys count it: a digest, never the token itself."""
    return "token:" + hashlib.sha256(key.encode()).hexdigest()[:40]


def scope_of(request: Request) -> str:
    """Which rate applies to this request."""
    if request.path == LOGIN_PATH:
        return "login"
    if request.path == QUOTE_PATH:
        return "quote"
    return "read" if request.method in SAFE_METHODS else "write"


class ApiThrottle(SimpleRateThrottle):
    """The portal's one throttle (see the module's docstring)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = scope_of(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope) if self.scope is not None else None

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        auth = request.auth
        if auth is not None and getattr(auth, "key", None):
            caller = token_caller(str(auth.key))
        elif request.user is not None and request.user.is_authenticated:
            caller = f"user:{request.user.pk}"
        else:
            caller = "addr:" + self.get_ident(request)
        return f"throttle:{self.scope}:{caller}"


# Pages open to anyone (the public notices, 公示) --------------------------------------------------
# DRF's throttle counts the API; a page without a login is counted here, per address, in the same
# cache, under a hash of the address and the window (the address itself is stored nowhere).


def address_over_limit(request: HttpRequest, scope: str, limit: int, window_seconds: int) -> bool:
    """Count this request against `limit` requests of `scope` per `window_seconds` from its address;
    whether it goes beyond."""
    address = request.META.get("REMOTE_ADDR", "")
    window = int(time.time()) // window_seconds
    key = "page-throttle:" + hashlib.sha256(f"{scope}|{address}|{window}".encode()).hexdigest()[:32]
    if cache.add(key, 1, timeout=window_seconds + 10):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 10)
        count = 1
    return count > limit


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 in Chinese, with Retry-After."""
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def throttle_pages(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page open to anyone: at most PUBLIC_PAGES_PER_MINUTE requests a minute from one address
    (each `scope` counted apart), and a POST at most PUBLIC_OBJECTIONS_PER_HOUR an hour."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if address_over_limit(request, scope, settings.PUBLIC_PAGES_PER_MINUTE, 60):
                return too_many(request, 60)
            if request.method == "POST" and address_over_limit(
                request, f"{scope}:post", settings.PUBLIC_OBJECTIONS_PER_HOUR, 3600
            ):
                return too_many(request, 3600)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
