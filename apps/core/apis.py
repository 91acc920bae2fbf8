"""API plumbing shared by every app: the one place where ApplicationError becomes JSON."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLResolver
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.permissions import signed_in

from . import events
from .errors import ApplicationError
from .filters import EventFilter, filter_api
from .urls import MAX_ID
from .views import not_found


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An object's id in a request body: 1 to MAX_ID, so that no number overflows the database."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _flatten(detail: Any, path: str = "") -> list[tuple[str, str]]:
    """(field path, message) for every message of a DRF validation error, in order."""
    if isinstance(detail, dict):
        found: list[tuple[str, str]] = []
        for key, value in detail.items():
            if isinstance(key, int):  # a list's items, by index (DRF reports them so)
                found += _flatten(value, f"{path}[{key}]")
                continue
            name = "" if key == "non_field_errors" else str(key)
            found += _flatten(value, f"{path}.{name}" if path and name else (name or path))
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [(path, str(item)) for item in detail]
        found = []
        for index, item in enumerate(detail):
            found += _flatten(item, f"{path}[{index}]")
        return found
    return [(path, str(detail))]


def validation_error_body(detail: Any) -> dict[str, Any]:
    """A serializer's errors in the API's one error shape: the first as ``detail`` and ``field``,
    every one in ``errors`` (so a client sees them all in one pass)."""
    errors = [(field, message) for field, message in _flatten(detail) if message] or [("", "输入有误")]
    field, message = errors[0]
    body: dict[str, Any] = {"detail": f"字段 {field}：{message}" if field else message}
    if field:
        body["field"] = field
    if len(errors) > 1:
        body["errors"] = [{"field": name, "message": text} for name, text in errors]
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """`{"detail": …, "rule": …, "field": …}` for domain errors (400, or the error's own
    status); DRF's defaults, translated, for everything else."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, exceptions.ValidationError):
        return Response(validation_error_body(exc.detail), status=status.HTTP_400_BAD_REQUEST)
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


@csrf_exempt  # an API path: no form, no cookie needed to be told that it does not exist
def api_not_found(request: HttpRequest, route: str = "") -> HttpResponse:
    """Any path under /api/v1/ that no route matches, DEBUG or not: handler404's JSON answer."""
    return not_found(request)


class EventSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="本事件的游标 / This event's cursor")
    at = serializers.DateTimeField(help_text="发生时间 / When it happened")
    type = serializers.CharField(help_text="对象类型，如 claims.claim / Kind of object, e.g. claims.claim")
    object_id = serializers.CharField(help_text="对象编号 / The object's id")
    # "from" is a Python keyword: the field is declared under another name and renamed below.
    from_state = serializers.CharField(help_text="原状态（新建时为空）/ State before (empty when created)")
    to = serializers.CharField(help_text="新状态 / State after")
    reason = serializers.CharField(help_text="原因 / Reason")
    actor = serializers.CharField(allow_null=True, help_text="操作人用户名 / Who did it (username)")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_state")
        return fields


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.CharField(help_text="下次请求的 after / The `after` of your next call")
    has_more = serializers.BooleanField(help_text="是否还有下一页 / Whether another page waits")


class EventListApi(APIView):
    """``GET /api/v1/events?after=<cursor>&limit=<n>&type=<kind>``: the changes feed
    (`apps.core.events`). ``next`` is the cursor to send next time; ``has_more`` says whether
    another page is waiting now."""

    @extend_schema(
        summary="变更动态 / Changes feed",
        parameters=[
            OpenApiParameter(
                "after", str, description="上次返回的 next（默认 0）/ The last `next` (default 0)"
            ),
            OpenApiParameter(
                "limit", int, description="每页条数 1–500（默认 100）/ Page size 1–500 (default 100)"
            ),
            OpenApiParameter(
                "type",
                str,
                many=True,
                description="只看某类对象，可重复 / Only these kinds of object (repeatable)",
            ),
        ],
        responses={200: EventPageSerializer},
        tags=["events"],
    )
    def get(self, request: Request) -> Response:
        raw_limit = request.query_params.get("limit", "") or str(events.DEFAULT_LIMIT)
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= events.MAX_LIMIT:
            detail = f"limit 应为 1–{events.MAX_LIMIT} 的整数"
            return Response({"detail": detail, "field": "limit"}, status=400)
        limit = int(raw_limit)
        rows = list(
            filter_api(EventFilter, request, events.events_visible(user=signed_in(request)))[: limit + 1]
        )
        after = int(request.query_params.get("after") or 0)
        page = rows[:limit]
        return Response(
            {
                "results": [
                    {
                        "cursor": str(row.pk),
                        "at": row.created_at.isoformat(),
                        "type": events.event_type(row.content_type),
                        "object_id": row.object_id,
                        "from": row.from_state,
                        "to": row.to_state,
                        "reason": row.reason,
                        "actor": row.actor.get_username() if row.actor else None,
                    }
                    for row in page
                ],
                "next": str(page[-1].pk if page else after),
                "has_more": len(rows) > limit,
            }
        )


def _api_routes(patterns: list[Any], prefix: str) -> list[tuple[str, str]]:
    """(path, name) of every named route under ``patterns``, depth first, in declaration order."""
    found: list[tuple[str, str]] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _api_routes(entry.url_patterns, route)
        elif entry.name:
            found.append((route, entry.name))
    return found


class ApiRootApi(APIView):
    """``GET /api/v1/``: where to start: the schema, its reference page, the guide and every route."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="接口入口 / API root",
        responses={
            200: inline_serializer(
                "ApiRoot",
                {
                    "version": serializers.CharField(),
                    "schema": serializers.URLField(),
                    "reference": serializers.URLField(),
                    "guide": serializers.CharField(),
                    "token": serializers.URLField(),
                    "resources": inline_serializer(
                        "ApiResource",
                        {"path": serializers.CharField(), "name": serializers.CharField()},
                        many=True,
                    ),
                },
            )
        },
        tags=["root"],
    )
    def get(self, request: Request) -> Response:
        from config.urls import api_v1

        routes = [(path, name) for path, name in _api_routes(api_v1, "/api/v1/") if name != "api-root"]
        return Response(
            {
                "version": "v1",
                "schema": request.build_absolute_uri("/api/v1/schema"),
                "reference": request.build_absolute_uri("/api/v1/docs/"),
                "guide": "docs/api.md",
                "token": request.build_absolute_uri("/api/v1/auth/token"),
                "resources": [{"path": path, "name": name} for path, name in routes],
            }
        )


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The serializer's validated data; otherwise DRF's ValidationError, which `exception_handler`
    answers in the portal's error shape (the first error named, every one listed)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
