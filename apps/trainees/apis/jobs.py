"""Large uploads imported by a Celery task: an upload of more rows than IMPORT_ASYNC_ROWS answers
202 with its job (`job_accepted`), whose URL the client polls until it has ended."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.permissions import signed_in

from ..models import ImportJob, ImportKind, ImportStatus
from ..selectors.jobs import import_job_get
from ..services.jobs import job_progress


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="轮询本任务的地址 / Poll this URL")
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    file_name = serializers.CharField()
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    result = serializers.DictField(
        child=serializers.IntegerField(), help_text="已完成时的保存条数 / The counts saved, once finished"
    )
    row_errors = RowErrorSerializer(
        many=True, help_text="未导入时每一行的错误 / Every row's error, when failed"
    )
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def job_data(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "url": reverse("api-import-job", args=[job.pk]),
        "kind": job.kind,
        "status": job.status,
        "file_name": job.file_name,
        "rows_total": job.rows_total,
        "rows_done": job_progress(job),
        "result": job.result,
        "row_errors": job.errors,
        "message": job.message,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def job_accepted(job: ImportJob) -> Response:
    """202: the upload is queued; its URL says how far it is and how it ended."""
    response = Response(ImportJobSerializer(job_data(job)).data, status=status.HTTP_202_ACCEPTED)
    response["Location"] = job_data(job)["url"]
    return response


class ImportJobApi(APIView):
    """GET: a large upload's import: its status, rows read of the total, then the counts saved or
    every row's error (nothing saved). Its uploader and the officers of its class's district."""

    @extend_schema(
        summary="导入任务进度 / An import job's progress",
        responses={200: ImportJobSerializer},
        tags=["roster"],
    )
    def get(self, request: Request, pk: int) -> Response:
        job = import_job_get(user=signed_in(request), job_id=pk)
        return Response(ImportJobSerializer(job_data(job)).data)
