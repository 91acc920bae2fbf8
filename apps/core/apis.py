"""API plumbing shared by every app: the one place where ApplicationError becomes JSON."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """`{"detail": …, "rule": …, "field": …}` for domain errors (400, or the error's own
    status); DRF's defaults, translated, for everything else."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("对象不存在")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied("您无权执行此操作")
    elif isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)  # set by DRF; its stubs do not declare it
        wait = math.ceil(seconds) if seconds is not None else None
        later = f"请在 {wait} 秒后重试" if wait is not None else "请稍后重试"
        exc = exceptions.Throttled(wait=wait)
        exc.detail = exceptions.ErrorDetail(f"请求过于频繁，{later}", code="throttled")
    return drf_exception_handler(exc, context)
