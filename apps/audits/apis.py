"""Batch audits over HTTP (token auth), scoped like the pages: start and follow runs, list the
findings, decide on one. Every error is `{"detail", "rule", "field"}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import District
from apps.claims.apis import validated
from apps.claims.selectors import claim_get
from apps.core.errors import ApplicationError
from apps.core.filters import filter_api
from apps.core.permissions import signed_in

from . import selectors, services
from .filters import FindingFilter, RunFilter
from .models import AuditFinding, AuditRun, FindingStatus, Scope
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


class StartSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    district = serializers.CharField(required=False, allow_blank=True, default="")
    claim = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class RunListCreateApi(APIView):
    """GET: the runs the caller may see (?scope ?status), newest first. POST: start one
    (`{"scope": "district", "district": "500103"}` or `{"scope": "claim", "claim": 12}`)."""

    def get(self, request: Request) -> Response:
        user = signed_in(request)
        if not audit_run_policy.can(user, "list"):
            raise PermissionDenied("您无权查看批量稽核")
        runs = filter_api(RunFilter, request, selectors.run_list(user=user))
        return Response([run_data(run) for run in runs[:100]])

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
    def get(self, request: Request, pk: int) -> Response:
        return Response(run_data(selectors.run_get(run_id=pk, user=signed_in(request))))


class FindingListApi(ListAPIView):
    """The current findings (or one run's: ?run), filtered by ?rule ?district ?status ?change ?claim."""

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
