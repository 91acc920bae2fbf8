"""Acting on a claim over HTTP: transition, recompute, line decision, recommendation. Final
approval books the ledger: POST /api/v1/claims/<id>/approve is apps.ledger's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.apis import validated
from apps.core.permissions import signed_in

from .. import selectors
from ..models import LineDecision, Verdict
from ..permissions import ACTIONS, claim_policy
from ..services import lifecycle, recompute, review
from .claims import ClaimDetailSerializer, LineRecommendationOutSerializer, claim_data, recommendation_data


class ClaimTransitionApi(APIView):
    """POST {"to": "submitted" | "under_review" | "returned" | "rejected", "reason": "…"}."""

    @extend_schema_serializer(component_name="ClaimTransition")
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=list(ACTIONS))
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        summary="提交、受理、退回、不予通过 / Submit, take up, return, reject",
        request=InputSerializer,
        responses={200: ClaimDetailSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        claim = selectors.claim_get(claim_id=pk, user=user)
        data = validated(self.InputSerializer, request.data)
        if not claim_policy.can(user, ACTIONS[data["to"]], claim):
            raise PermissionDenied("您无权执行此操作")
        claim = lifecycle.claim_transition(claim=claim, actor=user, **data)
        return Response(claim_data(claim, user))


class ClaimRecomputeApi(APIView):
    @extend_schema(
        summary="按班级数据重新测算 / Quote again from the class",
        request=None,
        responses={200: ClaimDetailSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = recompute.claim_recompute(
            claim=selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
        )
        return Response(claim_data(claim, signed_in(request)))


class LineDecisionApi(APIView):
    """POST {"decision": "approved" | "rejected", "rule": "R2.6", "reason": "…"}."""

    @extend_schema_serializer(component_name="LineDecision")
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=[LineDecision.APPROVED, LineDecision.REJECTED])
        rule = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        summary="逐条审核明细 / Decide a claim line",
        request=InputSerializer,
        responses={200: ClaimDetailSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int, line_pk: int) -> Response:
        user = signed_in(request)
        claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="review")
        line = claim.lines.filter(pk=line_pk).first()
        if line is None:
            raise NotFound("申领明细不存在")
        review.claim_line_decide(line=line, actor=user, **validated(self.InputSerializer, request.data))
        return Response(claim_data(selectors.claim_get(claim_id=pk, user=user), user))


class RecommendationApi(APIView):
    """POST {"text": "…"} (third-party reviewers engaged by the claim's district, R7.1)."""

    @extend_schema_serializer(component_name="ClaimRecommendation")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField()

    @extend_schema(
        summary="第三方预审意见 / A third party's pre-review",
        request=InputSerializer,
        responses={200: ClaimDetailSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="recommend")
        claim = review.claim_recommend(
            claim=claim, actor=user, text=validated(self.InputSerializer, request.data)["text"]
        )
        return Response(claim_data(claim, user))


class LineRecommendationApi(APIView):
    """POST {"verdict": "approve" | "reject", "rule": "R2.6", "reason": "…"} (third-party reviewers
    engaged by the claim's district, R7.1). A recommendation never changes the line."""

    @extend_schema_serializer(component_name="LineRecommendationInput")
    class InputSerializer(serializers.Serializer):
        verdict = serializers.ChoiceField(choices=Verdict.choices)
        rule = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        reason = serializers.CharField()

    @extend_schema(
        summary="第三方对明细的审核意见 / A third party's recommendation on a line",
        request=InputSerializer,
        responses={201: LineRecommendationOutSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int, line_pk: int) -> Response:
        user = signed_in(request)
        claim = selectors.claim_get_for(claim_id=pk, user=user, action="recommend")
        line = claim.lines.filter(pk=line_pk).first()
        if line is None:
            raise NotFound("申领明细不存在")
        advice = review.claim_line_recommend(
            line=line, actor=user, **validated(self.InputSerializer, request.data)
        )
        return Response(recommendation_data(advice), status=201)
