"""API throttling: one DRF throttle for every view, its scope chosen by what the request does.

- ``login``: obtaining a token (``POST /api/v1/auth/token``), counted per address: tight;
- ``quote``: the quote calculator (``POST /api/v1/quotes``), which writes nothing: generous;
- ``write``: every other POST, PUT, PATCH and DELETE: tighter;
- ``read``: everything else.

A caller is counted per API token when it sends one, else per signed-in user, else per address.
The rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read on every request (so tests and
deployments can change them). Beyond its rate a caller gets 429 with ``Retry-After`` and a Chinese
message (`apps.core.apis.exception_handler`). Counters live in the default cache: Redis when
``CACHE_URL`` is set, so that every worker process counts together.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Final

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
