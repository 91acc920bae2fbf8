from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Level, Occupation
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.openapi import LocalTimeField, QuoteResultSerializer
from apps.core.permissions import signed_in
from apps.rules import result_to_dict

from . import selectors, services
from .engine import SessionInput, class_quote_current
from .filters import ClassFilter
from .models import (
    OrganisationMode,
    PreReviewVerdict,
    SchedulePattern,
    SessionMode,
    TrainingClass,
    TrainingType,
)
from .permissions import ACTIONS, class_policy


class SessionSerializer(serializers.Serializer):
    date = serializers.DateField()
    start_time = LocalTimeField()
    end_time = LocalTimeField()
    mode = serializers.ChoiceField(choices=SessionMode.choices, default=SessionMode.OFFLINE)
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ClassOutputSerializer(serializers.ModelSerializer):
    institution = serializers.CharField(source="institution.uscc")
    district = serializers.CharField(source="district.code")
    occupation = serializers.CharField(source="occupation.code")

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "name",
            "institution",
            "district",
            "occupation",
            "level",
            "training_type",
            "organisation_mode",
            "schedule_pattern",
            "start_date",
            "end_date",
            "venue",
            "teachers",
            "planned_trainees",
            "status",
            "findings",
            "submitted_at",
            "approved_on",
            "standard",
            "rate",
            "class_hours",
            "online_rate",
            "policy_version",
            "rules_version",
            "online_override_reason",
            "recommendation",
            "recommendation_verdict",
            "recommendation_rule",
            "recommended_at",
        ]


class ClassInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    occupation = serializers.SlugRelatedField(slug_field="code", queryset=Occupation.objects.all())
    level = serializers.ChoiceField(choices=Level.choices, allow_null=True)
    training_type = serializers.ChoiceField(choices=TrainingType.choices)
    organisation_mode = serializers.ChoiceField(
        choices=OrganisationMode.choices, default=OrganisationMode.CONCENTRATED
    )
    schedule_pattern = serializers.ChoiceField(choices=SchedulePattern.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    venue = serializers.CharField(max_length=200)
    teachers = serializers.CharField(max_length=200)
    planned_trainees = serializers.IntegerField(min_value=1, max_value=10000)
    sessions = SessionSerializer(many=True)


class ClassQuoteSerializer(serializers.Serializer):
    per_trainee = QuoteResultSerializer(help_text="每名学员的测算 / The quote for one trainee")
    class_total = serializers.CharField(help_text="全班合计（元）/ Class total, yuan")
    planned_hours = serializers.IntegerField(help_text="计划课时 / Planned class-hours")
    planned_online = serializers.IntegerField(help_text="其中线上课时 / Of which online")
    on = serializers.DateField(help_text="测算所依据的日期 / Date the quote applies")


class ClassDetailSerializer(ClassOutputSerializer):
    """A class as GET, POST, PUT and the transitions answer it: its sessions and its quote too."""

    sessions = SessionSerializer(many=True)
    quote = ClassQuoteSerializer(allow_null=True)

    class Meta(ClassOutputSerializer.Meta):
        fields = [*ClassOutputSerializer.Meta.fields, "sessions", "quote"]


def _parse(request: Request) -> tuple[dict[str, Any], list[SessionInput]]:
    data = ClassInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    sessions = [SessionInput(**s) for s in values.pop("sessions")]
    return values, sessions


def _detail(training_class: TrainingClass) -> dict[str, Any]:
    out = ClassOutputSerializer(training_class).data
    sessions = list(training_class.sessions.all())
    out["sessions"] = SessionSerializer(sessions, many=True).data
    quote = class_quote_current(training_class=training_class, sessions=sessions)
    out["quote"] = (
        None
        if quote is None
        else {
            "per_trainee": result_to_dict(quote.per_trainee),
            "class_total": f"{quote.class_total:.2f}",
            "planned_hours": quote.hours.total,
            "planned_online": quote.hours.online,
            "on": quote.on.isoformat(),
        }
    )
    return out


@extend_schema_view(get=extend_schema(summary="开班申请列表 / Classes", tags=["classes"]))
class ClassListCreateApi(ListAPIView):
    """GET: the classes the caller may see. POST (institution operators): a draft application."""

    queryset = TrainingClass.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = ClassFilter

    serializer_class = ClassOutputSerializer

    def get_queryset(self):
        qs = filter_api(ClassFilter, self.request, selectors.class_list(user=signed_in(self.request)))
        return qs.order_by("-created_at", "-pk")

    @extend_schema(
        summary="填报开班申请（草稿）/ File a class application (draft)",
        request=ClassInputSerializer,
        responses={201: ClassDetailSerializer},
        tags=["classes"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in(request)
        if not class_policy.can(user, "add"):
            raise PermissionDenied("只有培训机构经办人可以填报开班申请")
        institution = user.institutions.first()
        if institution is None:
            raise PermissionDenied("您的账号尚未关联培训机构")
        values, sessions = _parse(request)
        training_class = services.class_create(
            actor=user, institution=institution, values=values, sessions=sessions
        )
        return Response(_detail(training_class), status=status.HTTP_201_CREATED)


class ClassDetailApi(APIView):
    @extend_schema(summary="开班申请 / A class", responses={200: ClassDetailSerializer}, tags=["classes"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(selectors.class_get(class_id=pk, user=signed_in(request))))

    @extend_schema(
        summary="修改开班申请（含课程安排）/ Update a class and its sessions",
        request=ClassInputSerializer,
        responses={200: ClassDetailSerializer},
        tags=["classes"],
    )
    def put(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = class_policy.get_for_action(user, "change", pk=pk)
        values, sessions = _parse(request)
        training_class = services.class_update(
            actor=user, training_class=training_class, values=values, sessions=sessions
        )
        return Response(_detail(training_class))


class ClassTransitionApi(APIView):
    """POST {"to": "submitted" | "approved" | "returned" | "rejected" | "running" | "completed" | "closed",
    "reason": "…", "online_override_reason": "…"}."""

    @extend_schema_serializer(component_name="ClassTransition")
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=list(ACTIONS))
        reason = serializers.CharField(required=False, allow_blank=True, default="")
        online_override_reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        summary="提交、审核、退回、开班、结业… / Submit, approve, return, start, complete…",
        request=InputSerializer,
        responses={200: ClassDetailSerializer},
        tags=["classes"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = selectors.class_get(class_id=pk, user=user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        class_policy.check(user, ACTIONS[data.validated_data["to"]], training_class)
        training_class = services.class_transition(
            training_class=training_class, actor=user, **data.validated_data
        )
        return Response(_detail(training_class))


class ClassRecommendationApi(APIView):
    """POST {"text": "…"}: a third-party agency engaged by the class's district pre-reviews a
    submitted application (R7.1); advice only."""

    @extend_schema_serializer(component_name="ClassRecommendation")
    class InputSerializer(serializers.Serializer):
        verdict = serializers.ChoiceField(choices=PreReviewVerdict.choices)
        rule = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        text = serializers.CharField(max_length=2000)

    @extend_schema(
        summary="第三方预审意见 / A third party's pre-review",
        request=InputSerializer,
        responses={200: ClassDetailSerializer},
        tags=["classes"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = selectors.class_get(class_id=pk, user=user)
        class_policy.check(user, "recommend", training_class)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        training_class = services.class_recommend(
            training_class=training_class,
            actor=user,
            text=data.validated_data["text"],
            verdict=data.validated_data["verdict"],
            rule=data.validated_data["rule"],
        )
        return Response(_detail(training_class))
