from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps import rules
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.openapi import QuoteResultSerializer
from apps.core.parsers import JsonParser
from apps.core.permissions import signed_in
from apps.rules.document import EXAMPLES as QUOTE_EXAMPLES

from . import engine, selectors
from .filters import OccupationFilter, RateRowFilter
from .models import District, Occupation, RateRow
from .permissions import districts_visible_to


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["code", "name", "kind"]


class OccupationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occupation
        fields = [
            "code",
            "name",
            "major_category",
            "is_new",
            "new_published_on",
            "is_assessment_type",
            "edition",
        ]


class RateRowSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    occupation = serializers.CharField(source="occupation.code", allow_null=True, default=None)

    class Meta:
        model = RateRow
        fields = [
            "id",
            "district",
            "occupation",
            "major_category",
            "level",
            "standard",
            "rate",
            "class_hours",
            "online_rate",
            "effective_from",
            "effective_to",
        ]


@extend_schema_view(get=extend_schema(summary="区县 / Districts", tags=["catalog"]))
class DistrictListApi(ListAPIView):
    serializer_class = DistrictSerializer
    pagination_class = None

    def get_queryset(self):
        return districts_visible_to(signed_in(self.request))


@extend_schema_view(get=extend_schema(summary="职业（工种）/ Occupations", tags=["catalog"]))
class OccupationListApi(ListAPIView):
    queryset = Occupation.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = OccupationFilter
    serializer_class = OccupationSerializer

    def get_queryset(self):
        return filter_api(OccupationFilter, self.request, selectors.occupation_list()).order_by("code")


@extend_schema_view(get=extend_schema(summary="补贴标准目录 / Rate rows", tags=["catalog"]))
class RateRowListApi(ListAPIView):
    """Rate-table rows the caller may see; filters: district (code), occupation, level, on (date)."""

    queryset = RateRow.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = RateRowFilter

    serializer_class = RateRowSerializer

    def get_queryset(self):
        user = signed_in(self.request)
        code = self.request.query_params.get("district")
        if code:  # a district outside the caller's scope is "not found", like its table's page
            selectors.district_get(code=code, user=user)
        qs = filter_api(RateRowFilter, self.request, selectors.rate_row_list(user=user))
        return qs.order_by("district__sort_order", "occupation__code", "level", "effective_from", "pk")


@extend_schema_view(get=extend_schema(summary="一条补贴标准 / A rate row", tags=["catalog"]))
class RateRowDetailApi(RetrieveAPIView):
    serializer_class = RateRowSerializer

    def get_object(self):
        return selectors.rate_row_get(row_id=self.kwargs["pk"], user=signed_in(self.request))


# `source` and `label` are attributes of every DRF field, so these rows are described inline.
SettingRowSerializer = inline_serializer(
    "SettingRow",
    {
        "key": serializers.CharField(help_text="设置项 / Setting"),
        "value": serializers.CharField(help_text="取值（精确小数字符串）/ Value, as an exact decimal string"),
        "effective_from": serializers.DateField(
            allow_null=True, help_text="生效日期（默认值为空）/ In force from (empty for a default)"
        ),
        "source": serializers.ChoiceField(
            choices=["district", "default"],
            help_text="区县录入或默认值 / Entered by the district, or the default",
        ),
    },
)


class DistrictSettingsSerializer(serializers.Serializer):
    district = serializers.CharField(help_text="区县代码 / District code")
    on = serializers.DateField(help_text="日期 / Date")
    settings = serializers.ListField(child=SettingRowSerializer)


class DistrictSettingsApi(APIView):
    """The district settings in force on ?on= (default today), defaults included."""

    @extend_schema(
        summary="区县设置 / A district's settings",
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="日期（默认今天）/ Date (default today)")
        ],
        responses={200: DistrictSettingsSerializer},
        tags=["catalog"],
    )
    def get(self, request: Request, code: str) -> Response:
        district = selectors.district_get(code=code, user=signed_in(request))
        try:
            on = date.fromisoformat(request.query_params["on"]) if request.query_params.get("on") else None
        except ValueError as exc:
            raise serializers.ValidationError({"on": "日期格式应为 YYYY-MM-DD"}) from exc
        day = on or timezone.localdate()
        rows = engine.settings_table(district=district, on=day)
        return Response(
            {
                "district": district.code,
                "on": day.isoformat(),
                "settings": [
                    {
                        "key": r["key"],
                        "value": str(r["value"]),
                        "effective_from": r["effective_from"],
                        "source": r["source"],
                    }
                    for r in rows
                ],
            }
        )


def _json_value(value: object) -> object:
    """A parameter's value as JSON: money and ratios as exact strings, dates ISO, counts as numbers."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


ParameterSerializer = inline_serializer(
    "Parameter",
    {
        "name": serializers.CharField(help_text="参数名 / Parameter name"),
        "label": serializers.CharField(help_text="中文名称 / Label, in Chinese"),
        "value": serializers.JSONField(
            help_text="取值：金额与比例为精确小数字符串，日期为 YYYY-MM-DD，次数为整数 / "
            "Value: money and ratios as exact decimal strings, dates ISO, counts as integers"
        ),
        "unit": serializers.CharField(help_text="单位 / Unit"),
        "rule": serializers.CharField(help_text="规则编号 / Rule ID"),
        "reference": serializers.CharField(help_text="依据（通知条款）/ Source clause"),
        "effective_from": serializers.DateField(help_text="本值生效日期 / This value in force from"),
        "effective_to": serializers.DateField(
            allow_null=True, help_text="本值最后一天（未知为空）/ Last day of this value (empty if open)"
        ),
    },
)


class ParametersSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="日期 / Date")
    rules_version = serializers.CharField(help_text="规则版本 / Rules version")
    parameters = serializers.ListField(child=ParameterSerializer)
    district = serializers.DictField(
        allow_null=True, help_text="区县（code, name）/ The district (code, name)"
    )
    district_settings = serializers.ListField(
        child=serializers.DictField(), help_text="该区县当日的设置 / The district's settings that day"
    )


class ParametersApi(APIView):
    """Every dated parameter of the rules in force on ?date= (default today), with the rule and clause
    it comes from and the days its value is valid; with ?district=<code>, that district's settings too.
    The figures the engine would use for a quote on that day (docs/rules.md explains each)."""

    @extend_schema(
        summary="带生效日期的参数 / Dated parameters",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="日期（默认今天）/ Date (default today)"),
            OpenApiParameter("district", str, description="区县代码（可选）/ District code (optional)"),
        ],
        responses={200: ParametersSerializer},
        tags=["rules"],
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("date", "")
        try:
            day = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            return Response({"detail": "日期格式应为 YYYY-MM-DD", "field": "date"}, status=400)
        district = None
        if request.query_params.get("district"):
            district = selectors.district_get(code=request.query_params["district"], user=signed_in(request))
        by_name = {parameter.name: parameter for parameter in rules.PARAMETERS}
        data: dict[str, object] = {
            "date": day.isoformat(),
            "rules_version": rules.RULES_VERSION,
            "parameters": [
                {
                    "name": p.name,
                    "label": p.label,
                    "value": _json_value(p.value),
                    "unit": p.unit,
                    "rule": p.rule,
                    "reference": p.reference,
                    "effective_from": p.effective_from.isoformat(),
                    "effective_to": _json_value(by_name[p.name].valid_until(day)),
                }
                for p in rules.parameters_in_force(day)
            ],
            "district": None,
            "district_settings": [],
        }
        if district is not None:
            data["district"] = {"code": district.code, "name": district.name}
            data["district_settings"] = [
                {
                    "key": row["key"],
                    "label": str(row["label"]),
                    "value": _json_value(row["value"]),
                    "effective_from": row["effective_from"],
                    "source": row["source"],
                }
                for row in engine.settings_table(district=district, on=day)
            ]
        return Response(data)


class QuoteApi(APIView):
    """POST a scenario of the quote contract (docs/quote-contract.md), get the amount with its steps
    and findings.

    The body is read as the contract reads it (numbers with a fraction as exact decimals), not
    through DRF's float parser; JSON only (415 otherwise). `?district=<code>` applies that
    district's settings in force on the approval (or start) date; without it, the city-wide defaults.
    """

    parser_classes = [JsonParser]  # what the schema offers; the view reads the raw body itself

    @extend_schema(
        summary="补贴测算 / Quote a subsidy",
        description=(
            "请求体为测算场景（docs/quote-contract.md）；返回金额、逐步说明与发现。/ The body is a quote "
            "scenario (docs/quote-contract.md); the answer is the amount with its steps and findings."
        ),
        parameters=[
            OpenApiParameter(
                "district", str, description="按该区县的设置测算 / Apply this district's settings"
            )
        ],
        request=OpenApiTypes.OBJECT,
        responses={200: QuoteResultSerializer},
        examples=[OpenApiExample(kind, value=data, request_only=True) for kind, data in QUOTE_EXAMPLES],
        tags=["rules"],
    )
    def post(self, request: Request) -> Response:
        district = None
        if request.query_params.get("district"):
            district = selectors.district_get(code=request.query_params["district"], user=signed_in(request))
        if request.content_type != "application/json":
            detail = "测算场景请以 JSON 提交（Content-Type: application/json）"
            return Response({"detail": detail, "field": "Content-Type"}, status=415)
        try:
            scenario = rules.parse_scenario_json(request.body)
        except rules.ScenarioError as exc:
            return Response({"detail": exc.message, "field": exc.field}, status=400)
        settings = None
        if district is not None:
            day = scenario.approved_on or scenario.start or timezone.localdate()
            settings = engine.district_settings_for(district=district, on=day)
        return Response(rules.result_to_dict(rules.quote(scenario, settings)))
