"""Safe retries for the API: a POST sent with an ``Idempotency-Key`` header runs once.

A client that lost the answer to a POST (a claim filed, a payment recorded) sends the same request
again with the same key. The first successful response (2xx) is kept for 24 hours per caller (the
API token, or the signed-in user) and returned again, marked ``Idempotent-Replayed: true``, without
running the request a second time. The same key with a different request (method, path, query or
body) is refused with 409; so is a retry while the first request is still running. A request that
failed (4xx, 5xx) changed nothing (every service is one transaction), so its key stays free and a
retry runs again. Requests without the header behave as before.

The guard is a middleware, so every POST under ``/api/v1/`` gets it with no change to the views.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Final, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

from .models import IdempotencyRecord
from .throttling import token_caller

HEADER: Final = "Idempotency-Key"
REPLAYED: Final = "Idempotent-Replayed"
KEPT_FOR: Final = timedelta(hours=24)
API_PREFIX: Final = "/api/v1/"
#: Paths under the API that take no key: obtaining a token has no caller yet.
EXEMPT: Final = frozenset({"/api/v1/auth/token"})
_KEY: Final = re.compile(r"[\x21-\x7e]{1,255}")
_KEPT_HEADERS: Final = ("Location", "Content-Disposition")


def _error(status: int, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse(
        {"detail": detail, "field": HEADER}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in headers.items():
        response[name] = value
    return response


def _token_authentication() -> TokenAuthentication:
    """The API's token authentication as the settings name it (its expiry included)."""
    classes = cast(
        list[type], api_settings.DEFAULT_AUTHENTICATION_CLASSES
    )  # classes once DRF has imported them
    for cls in classes:
        if issubclass(cls, TokenAuthentication):
            return cls()
    return TokenAuthentication()


def _scope(request: HttpRequest) -> str | None:
    """Whose keys these are: the token's owner per token, else the signed-in user; None: nobody."""
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Token "):
        token = authorization.removeprefix("Token ").strip()
        try:
            _token_authentication().authenticate_credentials(token)
        except APIException:
            return None  # the view answers 401 (or 403); nothing is kept for a caller we do not know
        return token_caller(token)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request: HttpRequest) -> str:
    """A digest of everything that makes two requests the same request."""
    digest = hashlib.sha256()
    content_type = request.content_type or ""
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", ""), content_type):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\n")
    if content_type == "multipart/form-data":
        # Parsed here, as DRF would; DRF then reads request.POST and request.FILES (the stream is spent).
        for name, values in sorted(request.POST.lists()):
            digest.update(f"{name}={values!r}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        # Read the stream as `request.body` would, but without its in-memory size limit: DRF reads
        # the whole body anyway, and a large JSON sign-in upload must still pass.
        body = request.read()
        request._body = body  # what HttpRequest.body caches
        request._stream = io.BytesIO(body)
        digest.update(body)
    return digest.hexdigest()


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Take the key for this request (None), or return the record that already holds it."""
    expired = timezone.now() - KEPT_FOR
    IdempotencyRecord.objects.filter(scope=scope, created_at__lt=expired).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:  # expired and removed between the two statements: take it now
            return _claim(scope, key, fingerprint)
        return existing
    return None


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


class IdempotencyMiddleware:
    """Runs each keyed API POST once per caller and key (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method != "POST"
            or not request.path.startswith(API_PREFIX)
            or request.path in EXEMPT
        ):
            return self.get_response(request)
        if not _KEY.fullmatch(key):
            return _error(400, "Idempotency-Key 应为 1–255 个可见 ASCII 字符（建议使用 UUID）")
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        existing = _claim(scope, key, fingerprint)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                return _error(409, "该 Idempotency-Key 已用于另一个内容不同的请求；新的请求请使用新的键")
            if existing.status_code is None:
                return _error(
                    409, "使用该 Idempotency-Key 的请求正在处理，请稍后重试", **{"Retry-After": "1"}
                )
            return _replay(existing)
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(scope=scope, key=key, status_code=None).delete()
            raise
        if 200 <= response.status_code < 300 and not response.streaming:
            IdempotencyRecord.objects.filter(scope=scope, key=key).update(
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content,
                headers={name: response[name] for name in _KEPT_HEADERS if response.has_header(name)},
            )
        else:
            IdempotencyRecord.objects.filter(scope=scope, key=key, status_code=None).delete()
        return response
