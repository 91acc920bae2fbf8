"""Claims over HTTP (token auth): the list and the claim, scoped like the pages. Every error is
`{"detail", "rule", "field"}`.

ID numbers are masked for every role; each line names its `person` (id) and whether the caller
may reveal that person's (`can_reveal`: POST /api/v1/persons/{id}/reveal, logged), as the roster
API does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.apis import validated
from apps.core.errors import ApplicationError
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.openapi import QuoteFindingSerializer, QuoteStepSerializer
from apps.core.permissions import signed_in

from .. import selectors
from ..filters import ClaimFilter
from ..models import Claim, ClaimKind, ClaimMaterial, LineDecision, LineRecommendation, MaterialKind, Verdict
from ..services import data_lock, drafts

if TYPE_CHECKING:
    from apps.core.permissions import Actor
from .filing import CLAIM_CREATE, CLAIM_UPDATE, CREATE, UPDATE


class ClaimSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    claimant = serializers.SerializerMethodField()
    training_class = serializers.IntegerField(source="training_class_id", allow_null=True)
    has_findings = serializers.BooleanField(read_only=True)
    line_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "kind",
            "status",
            "district",
            "year",
            "claimant",
            "training_class",
            "apprenticeship_stage",
            "total",
            "approved_total",
            "line_count",
            "has_findings",
            "submitted_at",
            "created_at",
        ]

    @extend_schema_field(
        inline_serializer(
            "Claimant",
            {
                "kind": serializers.ChoiceField(choices=["institution", "employer"]),
                "name": serializers.CharField(),
                "uscc": serializers.CharField(),
            },
        )
    )
    def get_claimant(self, obj: Claim) -> dict[str, str]:
        claimant = obj.claimant
        kind = "institution" if obj.institution_id else "employer"
        return {"kind": kind, "name": claimant.name, "uscc": claimant.uscc}


class LineRecommendationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    rule = serializers.CharField()
    reason = serializers.CharField()
    recommended_by = serializers.CharField()
    created_at = serializers.DateTimeField()


def recommendation_data(advice: LineRecommendation | None) -> dict[str, Any] | None:
    if advice is None:
        return None
    return {
        "id": advice.pk,
        "line": advice.line_id,
        "verdict": advice.verdict,
        "rule": advice.rule,
        "reason": advice.reason,
        "recommended_by": str(advice.recommended_by),
        "created_at": advice.created_at,
    }


class ClaimLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = inline_serializer(
        "ClaimLinePerson",
        {
            "id": serializers.IntegerField(),
            "name": serializers.CharField(),
            "id_number": serializers.CharField(help_text="身份证号码（遮蔽）/ ID number (masked)"),
        },
    )
    can_reveal = serializers.BooleanField()
    share = serializers.CharField()
    amount = serializers.CharField(help_text="补贴金额（元）/ Amount, yuan")
    steps = QuoteStepSerializer(many=True, help_text="规则引擎的逐步说明 / The engine's steps")
    findings = QuoteFindingSerializer(many=True, help_text="规则引擎的发现 / The engine's findings")
    rules_version = serializers.CharField()
    decision = serializers.ChoiceField(choices=LineDecision.choices)
    decision_rule = serializers.CharField()
    decision_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    # An object like LineRecommendationOut (id, line, verdict, rule, reason, recommended_by,
    # created_at), or null: a plain nullable object, as OpenAPI 3.0 cannot make a $ref nullable.
    recommendation = serializers.DictField(
        allow_null=True,
        help_text="第三方最新的审核意见 (R7.1)，无则为 null / The latest third-party recommendation, or null",
    )


class MaterialOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    download = serializers.CharField(help_text="下载地址（登录后）/ Where to download it (signed in)")


class ClaimDetailSerializer(ClaimSerializer):
    """A claim with its lines (amount, steps, findings, decision), materials and data lock."""

    lines = ClaimLineOutSerializer(many=True)
    materials = MaterialOutSerializer(many=True)
    recommendation = serializers.CharField()
    data_lock = serializers.ListField(
        child=serializers.CharField(),
        help_text="与已结业班级不再一致之处 / What no longer matches the completed class",
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "lines", "materials", "recommendation", "data_lock"]


def claim_data(claim: Claim, user: Actor) -> dict[str, Any]:
    if not hasattr(claim, "line_count"):  # a claim a service returned: read it as the list does
        claim = selectors.claim_get(claim_id=claim.pk, user=user)
    out = ClaimSerializer(claim).data
    rows = selectors.claim_line_rows(claim=claim, user=user)
    advice = selectors.line_recommendations(lines=[row.line for row in rows])
    out["lines"] = [
        {
            "id": row.line.pk,
            "person": {"id": row.line.person_id, "name": row.line.person.name, "id_number": row.id_number},
            "can_reveal": row.can_reveal,
            "share": row.line.share,
            "amount": f"{row.line.amount:.2f}",
            "steps": row.line.steps,
            "findings": row.line.findings,
            "rules_version": row.line.rules_version,
            "decision": row.line.decision,
            "decision_rule": row.line.decision_rule,
            "decision_reason": row.line.decision_reason,
            "decided_at": row.line.decided_at,
            "recommendation": recommendation_data(advice.get(row.line.pk)),
        }
        for row in rows
    ]
    out["materials"] = [material_data(m) for m in claim.materials.all()]
    out["recommendation"] = claim.recommendation
    out["data_lock"] = data_lock.claim_data_lock(claim)
    return out


def material_data(material: ClaimMaterial) -> dict[str, Any]:
    return {
        "id": material.pk,
        "kind": material.kind,
        "name": material.original_name,
        "size": material.size,
        "content_type": material.content_type,
        "download": f"/claims/{material.claim_id}/materials/{material.pk}/",
    }


class KindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ClaimKind.choices)


class ClaimListCreateApi(ListAPIView):
    """GET: the claims the caller may see (?kind ?status ?claimant ?district ?amount_min
    ?amount_max ?has_findings). POST: a new draft claim of any kind (see CREATE_SERIALIZERS)."""

    queryset = Claim.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = ClaimFilter

    serializer_class = ClaimSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        qs = filter_api(ClaimFilter, self.request, selectors.claim_list(user=signed_in(self.request)))
        return qs.order_by("-created_at", "-pk")

    @extend_schema(
        summary="申领列表 / Claims",
        tags=["claims"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="新建申领草稿（各类）/ File a draft claim of any kind",
        request=CLAIM_CREATE,
        responses={201: ClaimDetailSerializer},
        tags=["claims"],
    )
    def post(self, request: Request) -> Response:
        user = signed_in(request)
        kind = validated(KindSerializer, request.data)["kind"]
        claim = CREATE[kind](request)
        return Response(claim_data(selectors.claim_get(claim_id=claim.pk, user=user), user), status=201)


class ClaimDetailApi(APIView):
    """GET the claim. PATCH (the claimant, a draft or returned claim of a kind it types): the same
    body as POST /api/v1/claims/ for that kind, the rows replaced and quoted again. DELETE (the
    claimant, a draft): the draft is deleted, a deletion record kept in the log."""

    @extend_schema(summary="一条申领 / A claim", responses={200: ClaimDetailSerializer}, tags=["claims"])
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        return Response(claim_data(selectors.claim_get(claim_id=pk, user=user), user))

    @extend_schema(
        summary="修改申领草稿 / Update a draft claim",
        description="请求体同该类型的新建请求，不含 kind / The body of POST /claims/ for its kind, no kind",
        request=CLAIM_UPDATE,
        responses={200: ClaimDetailSerializer},
        tags=["claims"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
        if claim.kind not in UPDATE:
            raise ApplicationError(
                "班级补贴申领随班级数据变化，请用重新测算（POST …/recompute）", field="kind"
            )
        claim = UPDATE[claim.kind](request, claim)
        return Response(claim_data(selectors.claim_get(claim_id=claim.pk, user=user), user))

    @extend_schema(
        summary="删除申领草稿 / Delete a draft claim", request=None, responses={204: None}, tags=["claims"]
    )
    def delete(self, request: Request, pk: int) -> Response:
        claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
        drafts.claim_delete_draft(
            claim=claim,
            actor=signed_in(request),
            reason=request.data.get("reason", "") if isinstance(request.data, dict) else "",
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
