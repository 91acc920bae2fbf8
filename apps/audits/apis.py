"""Batch audits over HTTP (token auth), scoped like the pages: start and follow runs, list the
findings, decide on one. Every error is `{"detail", "rule", "field"}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import District
from apps.claims.selectors import claim_get
from apps.core.apis import id_field, validated
from apps.core.errors import ApplicationError
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.permissions import signed_in

from . import selectors, services
from .filters import FindingFilter, RunFilter
from .models import BATCH_SCOPES, AuditFinding, AuditRun, FindingStatus
from .permissions import audit_finding_policy, audit_run_policy

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from .selectors import ChunkCounts


def run_data(run: WithAnnotations[AuditRun, ChunkCounts]) -> dict[str, Any]:
    progress = selectors.run_progress(run)
    return {
        "id": run.pk,
        "scope": run.scope,
        "scope_label": run.scope_label,
        "district": run.district.code if run.district is not None else None,
        "claim": run.claim_id,
        "status": run.status,
        "status_label": run.get_status_display(),
        "progress": {
            "percent": progress.percent,
            "stage": progress.stage,
            "done": progress.done,
            "total": progress.total,
        },
        "rules_version": run.rules_version,
        "started_by": str(run.started_by) if run.started_by_id else None,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": {
            "lines": run.lines_count,
            "findings": run.findings_count,
            "appeared": run.appeared_count,
            "persisting": run.persisting_count,
            "cleared": run.cleared_count,
        },
        "error": run.error,
    }


def finding_data(row: selectors.FindingRow) -> dict[str, Any]:
    f = row.finding
    return {
        "id": f.pk,
        "run": f.run_id,
        "rule": f.rule,
        "rule_title": row.rule.title,
        "severity": row.rule.severity,
        "message": row.message,
        "district": f.district.code,
        "claim": f.claim_id,
        "line": f.line_id,
        "person": row.person,
        "institution": f.institution.name if f.institution is not None else None,
        "other_claim": f.other_claim_id,
        "other_line": f.other_line_id,
        "details": f.details,
        "change": f.change,
        "status": f.status,
        "resolution_reason": f.resolution_reason,
        "resolved_at": f.resolved_at,
    }


class RunProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField(help_text="完成百分比 / Percent done")
    stage = serializers.CharField(help_text="当前阶段 / Current stage")
    done = serializers.IntegerField(help_text="已完成 / Done")
    total = serializers.IntegerField(help_text="总数 / Total")


class RunCountsSerializer(serializers.Serializer):
    lines = serializers.IntegerField(help_text="稽核的申报明细数 / Claim lines audited")
    findings = serializers.IntegerField(help_text="疑点数 / Findings")
    appeared = serializers.IntegerField(help_text="新出现 / Appeared")
    persisting = serializers.IntegerField(help_text="仍存在 / Persisting")
    cleared = serializers.IntegerField(help_text="已消除 / Cleared")


class RunSerializer(serializers.Serializer):
    """A batch audit run as the API shows it (`run_data`)."""

    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=BATCH_SCOPES)
    scope_label = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    claim = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    progress = RunProgressSerializer()
    rules_version = serializers.CharField()
    started_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    counts = RunCountsSerializer()
    error = serializers.CharField()


class AuditFindingSerializer(serializers.Serializer):
    """An audit finding as the API shows it (`finding_data`)."""

    id = serializers.IntegerField()
    run = serializers.IntegerField()
    rule = serializers.CharField()
    rule_title = serializers.CharField()
    severity = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    district = serializers.CharField()
    claim = serializers.IntegerField(allow_null=True)
    line = serializers.IntegerField(allow_null=True)
    person = serializers.CharField(allow_null=True)
    institution = serializers.CharField(allow_null=True)
    other_claim = serializers.IntegerField(allow_null=True)
    other_line = serializers.IntegerField(allow_null=True)
    details = serializers.JSONField()
    change = serializers.CharField()
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    resolution_reason = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class StartSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=BATCH_SCOPES)
    district = serializers.CharField(required=False, allow_blank=True, default="")
    claim = id_field(required=False, allow_null=True, default=None)


class RunListCreateApi(APIView):
    """GET: the runs the caller may see (?scope ?status), newest first. POST: start one
    (`{"scope": "district", "district": "500103"}` or `{"scope": "claim", "claim": 12}`)."""

    queryset = AuditRun.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = RunFilter

    @extend_schema(
        summary="批量稽核列表 / Audit runs", responses={200: RunSerializer(many=True)}, tags=["audits"]
    )
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        if not audit_run_policy.can(user, "list"):
            raise PermissionDenied("您无权查看批量稽核")
        runs = filter_api(RunFilter, request, selectors.run_list(user=user))
        return Response([run_data(run) for run in runs[:100]])

    @extend_schema(
        summary="发起批量稽核 / Start an audit run",
        request=StartSerializer,
        responses={201: RunSerializer},
        tags=["audits"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in(request)
        if not audit_run_policy.can(user, "start"):
            raise PermissionDenied("只有区县经办人员和市人力社保局管理员可以发起批量稽核")
        data = validated(StartSerializer, request.data)
        district = None
        if data["district"]:
            district = District.objects.filter(code=data["district"]).first()
            if district is None:
                raise ApplicationError(f"区县代码 {data['district']} 不存在", field="district")
        claim = claim_get(claim_id=data["claim"], user=user) if data["claim"] else None
        run = services.audit_run_start(actor=user, scope=data["scope"], district=district, claim=claim)
        return Response(run_data(selectors.run_get(run_id=run.pk, user=user)), status=201)


class RunDetailApi(APIView):
    @extend_schema(summary="一次批量稽核 / An audit run", responses={200: RunSerializer}, tags=["audits"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(run_data(selectors.run_get(run_id=pk, user=signed_in(request))))


@extend_schema(
    summary="稽核疑点 / Audit findings",
    parameters=[
        OpenApiParameter("run", int, description="只看某次批量稽核的疑点 / Only the findings of this run")
    ],
    tags=["audits"],
)
class FindingListApi(ListAPIView):
    """The current findings (or one run's: ?run), filtered by ?rule ?district ?status ?change ?claim."""

    queryset = AuditFinding.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = FindingFilter

    serializer_class = AuditFindingSerializer

    def get_queryset(self) -> QuerySet[AuditFinding]:
        user = signed_in(self.request)
        run_id = self.request.query_params.get("run", "")
        if run_id and not run_id.isdigit():
            raise ApplicationError("筛选条件“批量稽核”有误：请填写批量稽核的编号", field="run")
        run = selectors.run_get(run_id=int(run_id), user=user) if run_id else None
        findings = selectors.finding_list(user=user, run=run)
        filterset = FindingFilter(
            self.request.query_params, findings, request=self.request, of_run=run is not None
        )
        if not filterset.is_valid():
            raise filterset.first_error()
        return filterset.qs.order_by("run_id", "rule", "subject")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in(request)
        if not audit_run_policy.can(user, "list"):
            raise PermissionDenied("您无权查看稽核疑点")
        page = self.paginate_queryset(self.get_queryset()) or []
        rows = selectors.finding_rows(findings=list(page), user=user)
        return self.get_paginated_response([finding_data(row) for row in rows])


class FindingDetailApi(APIView):
    @extend_schema(
        summary="一条稽核疑点 / An audit finding", responses={200: AuditFindingSerializer}, tags=["audits"]
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        finding = selectors.finding_get(finding_id=pk, user=user)
        (row,) = selectors.finding_rows(findings=[finding], user=user)
        return Response(finding_data(row))


class ResolutionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=FindingStatus.choices)
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class FindingResolutionApi(APIView):
    """POST `{"to": "dismissed", "reason": "…"}`: confirm, dismiss or open a finding again."""

    @extend_schema(
        summary="处理稽核疑点 / Resolve a finding",
        request=ResolutionSerializer,
        responses={200: AuditFindingSerializer},
        tags=["audits"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        finding = selectors.finding_get(finding_id=pk, user=user)
        if not audit_finding_policy.can(user, "resolve", finding):
            raise PermissionDenied("只有疑点所在区县的经办人员或市人力社保局管理员可以处理稽核疑点")
        data = validated(ResolutionSerializer, request.data)
        services.audit_finding_resolve(finding=finding, actor=user, to=data["to"], reason=data["reason"])
        finding = selectors.finding_get(finding_id=pk, user=user)
        (row,) = selectors.finding_rows(findings=[finding], user=user)
        return Response(finding_data(row))
