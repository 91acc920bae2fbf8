"""Notices over HTTP (token auth): the caller's own notices only. GET lists them newest first,
with the unread count (`?unread=1`: unread only); POST mark-read marks the listed ones (or all)
read. Errors are `{"detail", "field"}`; another user's notice answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.apis import id_field, validated
from apps.core.errors import ApplicationError
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.permissions import signed_in

from . import services
from .filters import NoticeFilter
from .models import Notice
from .selectors import notice_inbox, notice_unread_count


class NoticeSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(source="is_unread")

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "unread"]


class NoticesApi(ListAPIView):
    """GET: the caller's notices, newest first, paginated, with `unread_count`."""

    queryset = Notice.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = NoticeFilter

    serializer_class = NoticeSerializer

    @extend_schema(
        summary="我的消息 / My notices",
        parameters=[OpenApiParameter("unread", bool, description="只看未读 / Unread only")],
        tags=["notices"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Notice]:
        return filter_api(NoticeFilter, self.request, notice_inbox(user=signed_in(self.request)))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = notice_unread_count(user=signed_in(request))
        return response


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(child=id_field(), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)


class NoticesMarkReadApi(APIView):
    """POST {"ids": [1, 2]} or {"all": true}: those notices (all of the caller's) read.
    Answers how many were marked and the unread count left."""

    @extend_schema(
        summary="标为已读 / Mark read",
        request=MarkReadInput,
        responses={
            200: inline_serializer(
                "MarkReadResult",
                {"marked": serializers.IntegerField(), "unread_count": serializers.IntegerField()},
            )
        },
        tags=["notices"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in(request)
        data = validated(MarkReadInput, request.data)
        if data["all"]:
            marked = services.notices_mark_all_read(user=user)
        elif data.get("ids"):
            marked = services.notices_mark_read(notice_ids=data["ids"], user=user)
        else:
            raise ApplicationError("请指定要标为已读的消息（ids）或全部（all）", field="ids")
        return Response({"marked": marked, "unread_count": notice_unread_count(user=user)})
