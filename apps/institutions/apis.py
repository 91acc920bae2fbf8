"""The institutions API: scoped lists and details (bank accounts masked as on the pages) and
the one status-changing endpoint, which goes through the same service as the pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.filters import DocumentedFilters, filter_api
from apps.core.permissions import signed_in

from . import selectors, services
from .filters import EmployerFilter, InstitutionFilter
from .models import Employer, Institution, InstitutionOccupation, InstitutionStatus, InstitutionYear
from .permissions import employer_policy, institution_policy


class RecognitionSerializer(serializers.ModelSerializer):
    occupation = serializers.CharField(source="occupation.code")
    occupation_name = serializers.CharField(source="occupation.name")

    class Meta:
        model = InstitutionOccupation
        fields = ["occupation", "occupation_name", "level", "recognised_on"]


class YearSerializer(serializers.ModelSerializer):
    """A year's plan and, if an officer typed one, the score overriding the computed 综合评估
    (with who typed it, when and why; the computed score is on the evaluation pages)."""

    evaluation_score_reason = serializers.SerializerMethodField()
    evaluation_score_by = serializers.SerializerMethodField()
    evaluation_score_at = serializers.SerializerMethodField()

    class Meta:
        model = InstitutionYear
        fields = [
            "year",
            "evaluation_score",
            "evaluation_score_reason",
            "evaluation_score_by",
            "evaluation_score_at",
            "plan_quota",
        ]

    def _override(self, obj: InstitutionYear) -> selectors.ScoreOverride | None:
        return self.context.get("overrides", {}).get(obj.year)

    def get_evaluation_score_reason(self, obj: InstitutionYear) -> str | None:
        override = self._override(obj)
        return override.reason if override else None

    def get_evaluation_score_by(self, obj: InstitutionYear) -> str | None:
        override = self._override(obj)
        return override.by if override else None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_evaluation_score_at(self, obj: InstitutionYear) -> str | None:
        override = self._override(obj)
        return (
            serializers.DateTimeField().to_representation(override.at) if override and override.at else None
        )


class InstitutionSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    district_name = serializers.CharField(source="district.name")
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    bank_account = serializers.SerializerMethodField()
    can_run_classes = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "uscc",
            "kind",
            "kind_label",
            "district",
            "district_name",
            "status",
            "status_label",
            "address",
            "contact_name",
            "contact_phone",
            "bank_name",
            "bank_account",
            "high_skill_base",
            "employer",
            "can_run_classes",
        ]

    def get_bank_account(self, obj: Institution) -> str:
        return selectors.bank_account_shown(user=self.context["request"].user, institution=obj)

    def get_can_run_classes(self, obj: Institution) -> dict[str, Any]:
        allowed, reason = selectors.institution_can_run_classes(obj)
        return {"allowed": allowed, "reason": reason}


class InstitutionDetailSerializer(InstitutionSerializer):
    recognitions = serializers.SerializerMethodField()
    years = serializers.SerializerMethodField()

    class Meta(InstitutionSerializer.Meta):
        fields = [*InstitutionSerializer.Meta.fields, "recognitions", "years"]

    def get_recognitions(self, obj: Institution) -> list[dict[str, Any]]:
        return list(
            RecognitionSerializer(selectors.institution_recognitions(institution=obj), many=True).data
        )

    def get_years(self, obj: Institution) -> list[dict[str, Any]]:
        overrides = selectors.institution_year_overrides(institution=obj)
        rows = selectors.institution_years(institution=obj)
        return list(YearSerializer(rows, many=True, context={"overrides": overrides}).data)


@extend_schema_view(get=extend_schema(summary="培训机构 / Institutions", tags=["institutions"]))
class InstitutionListApi(ListAPIView):
    """Institutions the caller may see; filters: status, kind, district (code), q (name or code)."""

    queryset = Institution.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = InstitutionFilter

    serializer_class = InstitutionSerializer

    def get_queryset(self):
        user = signed_in(self.request)
        institution_policy.check(user, "list")
        qs = filter_api(InstitutionFilter, self.request, selectors.institution_list(user=user))
        return qs.order_by("district__sort_order", "name", "pk")


@extend_schema_view(get=extend_schema(summary="一个培训机构 / An institution", tags=["institutions"]))
class InstitutionDetailApi(RetrieveAPIView):
    serializer_class = InstitutionDetailSerializer

    def get_object(self):
        return selectors.institution_get(institution_id=self.kwargs["pk"], user=signed_in(self.request))


def _institution_write(
    request: Request, pk: int, action: str, serializer: type[serializers.Serializer], service: Any
) -> Response:
    """An institution the user may see and do `action` to, changed by `service` with the request's
    validated fields; the answer is the institution as it now is."""
    user = signed_in(request)
    institution = selectors.institution_get(institution_id=pk, user=user)
    institution_policy.check(user, action, institution)
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    service(institution=institution, actor=user, **data.validated_data)
    institution = selectors.institution_get(institution_id=pk, user=user)
    return Response(InstitutionDetailSerializer(institution, context={"request": request}).data)


class InstitutionTransitionApi(APIView):
    """POST {"to": "recognised" | "filed" | "suspended" | "revoked", "reason": "…"}: 200 with the
    institution; 400 {"detail", "rule"} when the lifecycle refuses the move; 403; 404."""

    @extend_schema_serializer(component_name="InstitutionTransition")
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=InstitutionStatus.choices)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        summary="机构认定状态变更 / Move an institution's recognition",
        request=InputSerializer,
        responses={200: InstitutionDetailSerializer},
        tags=["institutions"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return _institution_write(
            request, pk, "change_status", self.InputSerializer, services.institution_transition
        )


class InstitutionYearApi(APIView):
    """POST {"year", "plan_quota", "evaluation_score" (optional), "reason"}: set a year's training
    plan and, optionally, a score overriding the computed 综合评估 — typing or changing one needs a
    reason (400 with field "reason" without). 200 with the institution; 400; 403; 404."""

    @extend_schema_serializer(component_name="InstitutionYearSet")
    class InputSerializer(serializers.Serializer):
        year = serializers.IntegerField()
        evaluation_score = serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            min_value=Decimal("0"),
            max_value=Decimal("100"),
            required=False,
            allow_null=True,
            default=None,
        )
        plan_quota = serializers.IntegerField(min_value=0)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        summary="年度培训计划与人工覆盖得分 / Set a year's plan and overriding score",
        request=InputSerializer,
        responses={200: InstitutionDetailSerializer},
        tags=["institutions"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return _institution_write(
            request, pk, "recognise", self.InputSerializer, services.institution_year_set
        )


class EmployerSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    district_name = serializers.CharField(source="district.name")
    entity_type = serializers.SerializerMethodField()
    parent_uscc = serializers.CharField(source="parent.uscc", allow_null=True, default=None)

    class Meta:
        model = Employer
        fields = [
            "id",
            "name",
            "uscc",
            "entity_type",
            "district",
            "district_name",
            "address",
            "contact_name",
            "contact_phone",
            "is_classified",
            "parent",
            "parent_uscc",
        ]

    def get_entity_type(self, obj: Employer) -> dict[str, str] | None:
        entity = obj.entity_type
        return {"prefix": entity.prefix, "label": entity.label} if entity else None


@extend_schema_view(get=extend_schema(summary="用人单位 / Employers", tags=["institutions"]))
class EmployerListApi(ListAPIView):
    """Employers the caller may see; filters: district (code), q (name or code), classified (1/0)."""

    queryset = Employer.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = EmployerFilter

    serializer_class = EmployerSerializer

    def get_queryset(self):
        user = signed_in(self.request)
        employer_policy.check(user, "list")
        qs = filter_api(EmployerFilter, self.request, selectors.employer_list(user=user))
        return qs.order_by("district__sort_order", "name", "pk")


@extend_schema_view(get=extend_schema(summary="一个用人单位 / An employer", tags=["institutions"]))
class EmployerDetailApi(RetrieveAPIView):
    serializer_class = EmployerSerializer

    def get_object(self):
        return selectors.employer_get(employer_id=self.kwargs["pk"], user=signed_in(self.request))
