"""The special account over HTTP (token auth): balances, allocations, entries and reversals,
payments, the reconciliation, and the final approval of a claim. Scoped like the pages; every
error is `{"detail", "rule", "field"}`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import District
from apps.claims.apis.claims import ClaimDetailSerializer, claim_data
from apps.claims.models import ClaimLine
from apps.claims.permissions import claim_policy
from apps.claims.selectors import claim_get
from apps.core.apis import id_field, validated
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.permissions import signed_in

from . import services
from .filters import AllocationFilter, EntryFilter, PaymentFilter, RecoveryFilter
from .models import Allocation, LedgerEntry, Payment, Recovery
from .permissions import (
    allocation_districts,
    allocation_policy,
    entry_policy,
    ledger_districts,
    may_act_in,
    payment_policy,
)
from .selectors import dashboards
from .selectors.accounts import balances, reconciliation


class ScopeSerializer(serializers.Serializer):
    district = serializers.CharField(required=False, allow_blank=True, default="")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


def _scope(request: Request) -> tuple[District, int]:
    """?district=<code>&year=: the district (the officer's own by default; 404 outside the
    caller's ledger scope) and the year (this year by default)."""
    user = signed_in(request)
    if not allocation_policy.can(user, "list"):
        raise PermissionDenied("您无权查看专账资金")
    data = validated(ScopeSerializer, request.query_params)
    districts = ledger_districts(user)
    code = data["district"]
    district = districts.filter(code=code).first() if code else None
    if district is None and not code and user.district_id:
        district = districts.filter(pk=user.district_id).first()
    if district is None:
        raise NotFound("区县不存在" if code else "请用 district 参数指定区县代码")
    return district, data.get("year") or timezone.localdate().year


SCOPE_PARAMETERS = [
    OpenApiParameter(
        "district",
        str,
        description="区县代码（经办人员默认本区县）/ District code (an officer's own by default)",
    ),
    OpenApiParameter("year", int, description="年度（默认今年）/ Year (default this year)"),
]


class BalancesApi(APIView):
    """GET ?district=&year=: allocated, booked, paid and remaining per share."""

    @extend_schema(
        summary="专账余额 / Special-account balances",
        parameters=SCOPE_PARAMETERS,
        responses={
            200: inline_serializer(
                "Balances",
                {
                    "district": serializers.CharField(),
                    "year": serializers.IntegerField(),
                    "shares": inline_serializer(
                        "ShareBalance",
                        {
                            "share": serializers.CharField(),
                            "label": serializers.CharField(),
                            "allocated": serializers.CharField(),
                            "booked": serializers.CharField(),
                            "paid": serializers.CharField(),
                            "remaining": serializers.CharField(),
                        },
                        many=True,
                    ),
                },
            )
        },
        tags=["ledger"],
    )
    def get(self, request: Request) -> Response:
        district, year = _scope(request)
        return Response(
            {
                "district": district.code,
                "year": year,
                "shares": [
                    {
                        "share": b.share,
                        "label": b.label,
                        "allocated": f"{b.allocated:.2f}",
                        "booked": f"{b.booked:.2f}",
                        "paid": f"{b.paid:.2f}",
                        "remaining": f"{b.remaining:.2f}",
                    }
                    for b in balances(district=district, year=year)
                ],
            }
        )


class AllocationSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")

    class Meta:
        model = Allocation
        fields = ["id", "district", "year", "amount", "work_for_training_share", "living_allowance_share"]


@extend_schema_view(get=extend_schema(summary="专账额度 / Allocations", tags=["ledger"]))
class AllocationsApi(ListAPIView):
    """GET: allocations the caller may read (?year). POST {"district", "year", "amount",
    "work_for_training_share", "living_allowance_share"}: set one (R8.2), the municipal admin
    alone (403 for everyone else, district officers included)."""

    queryset = Allocation.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = AllocationFilter

    serializer_class = AllocationSerializer

    @extend_schema_serializer(component_name="AllocationSet")
    class InputSerializer(serializers.Serializer):
        district = serializers.CharField()
        year = serializers.IntegerField(min_value=2021, max_value=2100)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        work_for_training_share = serializers.DecimalField(
            max_digits=14, decimal_places=2, default=Decimal("0")
        )
        living_allowance_share = serializers.DecimalField(
            max_digits=14, decimal_places=2, default=Decimal("0")
        )

    def get_queryset(self) -> QuerySet[Allocation]:
        user = signed_in(self.request)
        if not allocation_policy.can(user, "list"):
            raise PermissionDenied("您无权查看专账资金")
        qs = allocation_policy.visible(user).select_related("district")
        return filter_api(AllocationFilter, self.request, qs).order_by("-year", "district__sort_order", "pk")

    @extend_schema(
        summary="设置专账额度（R8.2）/ Set an allocation (R8.2)",
        request=InputSerializer,
        responses={201: AllocationSerializer},
        tags=["ledger"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in(request)
        if not allocation_policy.can(user, "act"):
            raise PermissionDenied("只有市人力社保局管理员可以设置专账资金额度")
        data = validated(self.InputSerializer, request.data)
        district = allocation_districts(user).filter(code=data.pop("district")).first()
        if district is None:
            raise NotFound("区县不存在")
        allocation = services.allocation_set(actor=user, district=district, **data)
        return Response(AllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)


class EntrySerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="allocation.district.code")
    year = serializers.IntegerField(source="allocation.year")
    claim = serializers.IntegerField(source="claim_line.claim_id")
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    is_reversed = serializers.BooleanField(read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "district",
            "year",
            "share",
            "kind",
            "amount",
            "claim",
            "claim_line",
            "reverses",
            "is_reversed",
            "reason",
            "rules_version",
            "created_at",
        ]


@extend_schema_view(get=extend_schema(summary="台账记录 / Ledger entries", tags=["ledger"]))
class EntriesApi(ListAPIView):
    """GET: ledger entries (?district ?year ?share ?kind ?claim), oldest first."""

    queryset = LedgerEntry.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = EntryFilter

    serializer_class = EntrySerializer

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        user = signed_in(self.request)
        if not entry_policy.can(user, "list"):
            raise PermissionDenied("您无权查看专账资金台账")
        qs = filter_api(EntryFilter, self.request, dashboards.entry_list(user=user))
        return qs.order_by("created_at", "pk")


class EntryReversalApi(APIView):
    """POST {"reason": "…"}: a reversal entry cancelling the commitment (never an edit)."""

    @extend_schema_serializer(component_name="Reversal")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(
        summary="冲销台账记录 / Reverse an entry",
        request=InputSerializer,
        responses={201: EntrySerializer},
        tags=["ledger"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        entry = entry_policy.get_visible(
            user, LedgerEntry.objects.select_related("allocation__district"), pk=pk
        )
        if not entry_policy.can(user, "act", entry):
            raise PermissionDenied("只有本区县经办人员或市级管理员可以冲销台账记录")
        reversal = services.entry_reverse(
            entry=entry,
            actor=user,
            reason=validated(self.InputSerializer, request.data)["reason"],
        )
        reversal = dashboards.entry_list(user=user).get(pk=reversal.pk)
        return Response(EntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


class RecoverySerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="claim_line.claim.district.code")
    claim = serializers.IntegerField(source="claim_line.claim_id")

    class Meta:
        model = Recovery
        fields = [
            "id",
            "district",
            "claim",
            "claim_line",
            "entry",
            "amount",
            "receivable",
            "rule",
            "reason",
            "source",
            "status",
            "returned_on",
            "returned_reference",
            "created_at",
        ]


@extend_schema_view(get=extend_schema(summary="追回记录 / Recoveries", tags=["ledger"]))
class RecoveriesApi(ListAPIView):
    """GET: recoveries (追回) of the districts the caller reads (?district ?status), newest first."""

    queryset = Recovery.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = RecoveryFilter

    serializer_class = RecoverySerializer

    def get_queryset(self) -> QuerySet[Recovery]:
        user = signed_in(self.request)
        if not entry_policy.can(user, "list"):
            raise PermissionDenied("您无权查看专账资金台账")
        qs = filter_api(RecoveryFilter, self.request, dashboards.recovery_list(user=user))
        return qs.order_by("-created_at", "-pk")


class LineRecoveryApi(APIView):
    """POST {"rule": "R10.2", "reason": "…", "source": "稽核疑点 #12"}: 追回 a booked or paid line
    (the district's officers and the admin): a recovery entry, a receivable if it was paid."""

    @extend_schema_serializer(component_name="RecoveryCreate")
    class InputSerializer(serializers.Serializer):
        rule = serializers.CharField(max_length=16)
        reason = serializers.CharField()
        # DRF's metaclass takes declared fields out of the class, so this input named `source` does
        # not replace Field.source; the stubs cannot see that.
        source = serializers.CharField(  # type: ignore[assignment]
            max_length=64, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        summary="追回一条明细 / Recover a claim line",
        request=InputSerializer,
        responses={201: RecoverySerializer},
        tags=["ledger"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        line = ClaimLine.objects.filter(claim__in=claim_policy.visible(user), pk=pk).first()
        if line is None:
            raise NotFound("申领明细不存在")
        if not claim_policy.can(user, "review", line.claim):
            raise PermissionDenied("只有本区县人力社保局经办人员可以追回补贴")
        recovery = services.line_recover(
            line=line, actor=user, **validated(self.InputSerializer, request.data)
        )
        recovery = dashboards.recovery_list(user=user).get(pk=recovery.pk)
        return Response(RecoverySerializer(recovery).data, status=status.HTTP_201_CREATED)


class RecoveryReturnedApi(APIView):
    """POST {"returned_on": "2026-12-01", "reference": "…"}: the recovered money came back."""

    @extend_schema_serializer(component_name="RecoveryReturned")
    class InputSerializer(serializers.Serializer):
        returned_on = serializers.DateField()
        reference = serializers.CharField(max_length=64)

    @extend_schema(
        summary="登记追回款退回 / Record a recovery returned",
        request=InputSerializer,
        responses={200: RecoverySerializer},
        tags=["ledger"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        recovery = dashboards.recovery_list(user=user).filter(pk=pk).first()
        if recovery is None:
            raise NotFound("追回记录不存在")
        if not may_act_in(user, recovery.claim_line.claim.district):
            raise PermissionDenied("只有本区县经办人员或市级管理员可以登记追回款退回")
        services.recovery_returned(
            recovery=recovery, actor=user, **validated(self.InputSerializer, request.data)
        )
        return Response(RecoverySerializer(dashboards.recovery_list(user=user).get(pk=pk)).data)


class PaymentSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ["id", "district", "reference", "paid_on", "amount", "lines", "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_lines(self, obj: Payment) -> list[int]:
        return [line.claim_line_id for line in obj.lines.all()]


@extend_schema_view(get=extend_schema(summary="拨付记录 / Payments", tags=["ledger"]))
class PaymentsApi(ListAPIView):
    """GET: payments (?district ?year). POST {"district", "reference", "paid_on", "lines": [ids]}:
    record a payment of approved, unpaid lines (single or batch)."""

    queryset = Payment.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = PaymentFilter

    serializer_class = PaymentSerializer

    @extend_schema_serializer(component_name="PaymentCreate")
    class InputSerializer(serializers.Serializer):
        district = serializers.CharField()
        reference = serializers.CharField(max_length=64)
        paid_on = serializers.DateField()
        lines = serializers.ListField(child=id_field(), min_length=1, max_length=100_000)

    def get_queryset(self) -> QuerySet[Payment]:
        user = signed_in(self.request)
        if not payment_policy.can(user, "list"):
            raise PermissionDenied("您无权查看拨付记录")
        qs = filter_api(PaymentFilter, self.request, dashboards.payment_list(user=user))
        return qs.prefetch_related("lines").order_by("-paid_on", "-pk")

    @extend_schema(
        summary="登记拨付 / Record a payment",
        request=InputSerializer,
        responses={201: PaymentSerializer},
        tags=["ledger"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in(request)
        if not payment_policy.can(user, "act"):
            raise PermissionDenied("只有本区县经办人员或市级管理员可以登记拨付")
        data = validated(self.InputSerializer, request.data)
        district = ledger_districts(user).filter(code=data["district"]).first()
        if district is None:
            raise NotFound("区县不存在")
        if not may_act_in(user, district):
            raise PermissionDenied("只有本区县经办人员或市级管理员可以登记拨付")
        payment = services.payment_record(
            actor=user,
            district=district,
            reference=data["reference"],
            paid_on=data["paid_on"],
            line_ids=data["lines"],
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class ReconciliationApi(APIView):
    """GET ?district=&year=: every difference between claims, ledger and payments (R8.5);
    `reconciled` is true when there is none."""

    @extend_schema(
        summary="对账（R8.5）/ Reconciliation (R8.5)",
        parameters=SCOPE_PARAMETERS,
        responses={
            200: inline_serializer(
                "Reconciliation",
                {
                    "district": serializers.CharField(),
                    "year": serializers.IntegerField(),
                    "reconciled": serializers.BooleanField(),
                    "differences": inline_serializer(
                        "ReconciliationDifference",
                        {
                            "kind": serializers.CharField(),
                            "claim": serializers.IntegerField(allow_null=True),
                            "line": serializers.IntegerField(allow_null=True),
                            "message": serializers.CharField(),
                        },
                        many=True,
                    ),
                },
            )
        },
        tags=["ledger"],
    )
    def get(self, request: Request) -> Response:
        district, year = _scope(request)
        differences = reconciliation(district=district, year=year)
        return Response(
            {
                "district": district.code,
                "year": year,
                "reconciled": not differences,
                "differences": [
                    {"kind": d.kind, "claim": d.claim_id, "line": d.line_id, "message": d.message}
                    for d in differences
                ],
            }
        )


class ClaimApproveApi(APIView):
    """POST {"reason": "…", "acknowledged": true}: final approval by a district officer, booking the
    ledger (R8.2); never a third party (R7.1). `acknowledged` says the officer knows of the claim's
    open audit findings (refused with field "acknowledged" and the list otherwise)."""

    @extend_schema_serializer(component_name="ClaimApproval")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")
        acknowledged = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        summary="最终审核通过并记账（R8.2）/ Final approval, booking the ledger (R8.2)",
        request=InputSerializer,
        responses={200: ClaimDetailSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        claim = claim_get(claim_id=pk, user=user)
        if not claim_policy.can(user, "review", claim):
            raise PermissionDenied("只有本区县人力社保局经办人员可以最终审核通过申领 (R7.1)")
        data: dict[str, Any] = validated(self.InputSerializer, request.data)
        services.claim_approve(
            claim=claim, actor=user, reason=data["reason"], acknowledged=data["acknowledged"]
        )
        return Response(claim_data(claim_get(claim_id=pk, user=user), user))
