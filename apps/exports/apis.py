"""Exports over HTTP (token auth). POST starts one (201: finished with its file link when small,
queued when large); GET follows its progress; the file downloads until the link expires (then
404). The log of everyone's exports is the municipal admin's. Errors are `{"detail", "field"}`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.apis import validated
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.permissions import signed_in

from . import services
from .filters import ExportFilter, ExportLogFilter
from .models import ExportJob, ExportKind
from .permissions import export_policy
from .selectors import export_job_get, export_jobs, export_log
from .views import download_response


class ExportJobSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    expired = serializers.BooleanField(source="is_expired")
    url = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "kind_label",
            "filters",
            "description",
            "status",
            "status_label",
            "progress",
            "total_rows",
            "row_count",
            "file_name",
            "created_at",
            "finished_at",
            "expires_at",
            "expired",
            "error",
            "url",
            "file",
        ]

    def get_url(self, job: ExportJob) -> str:
        return reverse("api-export", args=[job.pk])

    def get_file(self, job: ExportJob) -> str | None:
        return reverse("api-export-file", args=[job.pk]) if job.is_downloadable else None


class ExportLogSerializer(ExportJobSerializer):
    requested_by = serializers.CharField(source="requested_by.username")
    role = serializers.CharField(source="requested_by.role")

    class Meta(ExportJobSerializer.Meta):
        fields = [*ExportJobSerializer.Meta.fields, "requested_by", "role"]


def _check_exporter(request: Request) -> None:
    if not export_policy.can(signed_in(request), "add"):
        raise PermissionDenied("只有市人力社保局管理员、区县经办人员和审计人员可以导出数据")


@extend_schema_view(get=extend_schema(summary="我的导出 / My exports", tags=["exports"]))
class ExportsApi(ListAPIView):
    """GET: the caller's exports, newest first. POST {"kind": "ledger" | "claim_lines" |
    "fund_summary", "districts": [codes], "years": [..], "kinds": [..], "shares": [..],
    "statuses": [..], "date_from": "YYYY-MM-DD", "date_to": ..}: start one. A district outside
    the caller's scope answers 404."""

    serializer_class = ExportJobSerializer

    @extend_schema_serializer(component_name="ExportStart")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ExportKind.choices)
        districts = serializers.ListField(
            child=serializers.CharField(max_length=12), required=False, default=list
        )
        years = serializers.ListField(
            child=serializers.IntegerField(min_value=2000, max_value=2100), required=False, default=list
        )
        kinds = serializers.ListField(
            child=serializers.CharField(max_length=24), required=False, default=list
        )
        shares = serializers.ListField(
            child=serializers.CharField(max_length=24), required=False, default=list
        )
        statuses = serializers.ListField(
            child=serializers.CharField(max_length=16), required=False, default=list
        )
        date_from = serializers.DateField(required=False, allow_null=True, default=None)
        date_to = serializers.DateField(required=False, allow_null=True, default=None)

    def get_queryset(self) -> QuerySet[ExportJob]:
        _check_exporter(self.request)
        return export_jobs(user=signed_in(self.request))

    @extend_schema(
        summary="发起导出 / Start an export",
        request=InputSerializer,
        responses={201: ExportJobSerializer},
        tags=["exports"],
    )
    def post(self, request: Request) -> Response:
        _check_exporter(request)
        data: dict[str, Any] = validated(self.InputSerializer, request.data)
        kind = data.pop("kind")
        filters = ExportFilter(
            districts=tuple(dict.fromkeys(data["districts"])),
            years=tuple(sorted(set(data["years"]))),
            kinds=tuple(data["kinds"]),
            shares=tuple(data["shares"]),
            statuses=tuple(data["statuses"]),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        job = services.export_request(actor=signed_in(request), kind=kind, filters=filters)
        return Response(ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ExportJobApi(APIView):
    """GET: one of the caller's exports, with its status and progress (404 for anyone else's)."""

    @extend_schema(summary="导出进度 / An export", responses={200: ExportJobSerializer}, tags=["exports"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(ExportJobSerializer(export_job_get(user=signed_in(request), job_id=pk)).data)


class ExportFileApi(APIView):
    """GET: the workbook of a finished export; 404 once its link has expired."""

    @extend_schema(
        summary="下载导出文件 / Download an export",
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Excel 工作簿 / The workbook"
            )
        },
        tags=["exports"],
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return download_response(export_job_get(user=signed_in(request), job_id=pk))


@extend_schema_view(get=extend_schema(summary="导出日志 / Export log", tags=["exports"]))
class ExportLogApi(ListAPIView):
    """GET: every export (who, what filter, how many rows, when), ?kind= ?user=; the municipal
    admin only."""

    queryset = ExportJob.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = ExportLogFilter

    serializer_class = ExportLogSerializer

    def get_queryset(self) -> QuerySet[ExportJob]:
        return filter_api(ExportLogFilter, self.request, export_log(user=signed_in(self.request))).order_by(
            "-created_at", "-pk"
        )
