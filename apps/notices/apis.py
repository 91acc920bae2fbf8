"""Notices over HTTP (token auth): the caller's own notices only. GET lists them newest first,
with the unread count (`?unread=1`: unread only); POST mark-read marks the listed ones (or all)
read. Errors are `{"detail", "field"}`; another user's notice answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.core.permissions import signed_in

from . import services
from .models import Notice
from .selectors import notice_inbox, notice_unread_count


class NoticeSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(source="is_unread")

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "unread"]


class NoticesApi(ListAPIView):
    """GET: the caller's notices, newest first, paginated, with `unread_count`."""

    serializer_class = NoticeSerializer

    def get_queryset(self) -> QuerySet[Notice]:
        qs = notice_inbox(user=signed_in(self.request))
        if self.request.query_params.get("unread") in {"1", "true"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = notice_unread_count(user=signed_in(request))
        return response


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)


class NoticesMarkReadApi(APIView):
    """POST {"ids": [1, 2]} or {"all": true}: those notices (all of the caller's) read.
    Answers how many were marked and the unread count left."""

    def post(self, request: Request) -> Response:
        user = signed_in(request)
        serializer = MarkReadInput(data=request.data)
        if not serializer.is_valid():
            field, errors = next(iter(serializer.errors.items()))
            raise ApplicationError(f"字段 {field}：{errors[0]}", field=field)
        data = serializer.validated_data
        if data["all"]:
            marked = services.notices_mark_all_read(user=user)
        elif data.get("ids"):
            marked = services.notices_mark_read(notice_ids=data["ids"], user=user)
        else:
            raise ApplicationError("请指定要标为已读的消息（ids）或全部（all）", field="ids")
        return Response({"marked": marked, "unread_count": notice_unread_count(user=user)})
