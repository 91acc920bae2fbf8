"""Claims over HTTP (token auth): list and detail scoped like the pages; create each kind;
transition, line decision, recommendation, materials. Final approval books the ledger: POST
/api/v1/claims/<id>/approve is apps.ledger's. Every error is `{"detail", "rule", "field"}`.

ID numbers are masked for every role; each line names its `person` (id) and whether the caller
may reveal that person's (`can_reveal`: POST /api/v1/persons/{id}/reveal, logged), as the roster
API does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Occupation
from apps.classes.selectors import class_get
from apps.core.errors import ApplicationError
from apps.core.filters import filter_api
from apps.core.openapi import QuoteFindingSerializer, QuoteStepSerializer
from apps.core.permissions import signed_in
from apps.institutions.models import Employer
from apps.rules.apprenticeship import EARLY_END_LABELS
from apps.rules.enterprise import TRAINEE_RELATIONS

from . import selectors
from .filters import ClaimFilter
from .models import Claim, ClaimKind, ClaimMaterial, LineDecision, MaterialKind
from .permissions import ACTIONS, claim_policy
from .services import class_claims, data_lock, drafts, employer_claims, filing, lifecycle, recompute, review
from .services import materials as material_services

if TYPE_CHECKING:
    from apps.core.permissions import Actor


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The serializer's validated data, or an ApplicationError naming the first field at fault
    (`workers[1].months`) in the portal's error shape."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    path, message = _first_error(serializer.errors)
    raise ApplicationError(f"字段 {path}：{message}" if path else str(message), field=path or None)


def _first_error(errors: Any, path: str = "") -> tuple[str, str]:
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        if isinstance(key, int):  # a list's items, by index
            return _first_error(value, f"{path}[{key}]")
        name = "" if key == "non_field_errors" else key
        return _first_error(value, f"{path}.{name}" if path and name else (name or path))
    if isinstance(errors, list):
        for index, item in enumerate(errors):
            if item:
                if isinstance(item, dict | list):
                    return _first_error(item, f"{path}[{index}]")
                return path, str(item)
    return path, str(errors)


# Output -----------------------------------------------------------------------------------------


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
    out = ClaimSerializer(claim).data
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
        }
        for row in selectors.claim_line_rows(claim=claim, user=user)
    ]
    out["materials"] = [_material(m) for m in claim.materials.all()]
    out["recommendation"] = claim.recommendation
    out["data_lock"] = data_lock.claim_data_lock(claim)
    return out


def _material(material: ClaimMaterial) -> dict[str, Any]:
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


# Creating each kind -----------------------------------------------------------------------------


class ClassClaimSerializer(serializers.Serializer):
    training_class = serializers.IntegerField()


def _create_for_class(request: Request) -> Claim:
    user = signed_in(request)
    data = validated(ClassClaimSerializer, request.data)
    training_class = class_get(class_id=data["training_class"], user=user)
    if not claim_policy.can(user, "add_class"):
        raise PermissionDenied("只有培训机构经办人可以申领班级补贴")
    create = (
        class_claims.claim_create_living_allowance
        if isinstance(request.data, dict) and request.data.get("kind") == ClaimKind.LIVING_ALLOWANCE
        else class_claims.claim_create_for_class
    )
    return create(actor=user, training_class=training_class)


def _employer(request: Request, uscc: str) -> Employer:
    user = signed_in(request)
    if not claim_policy.can(user, "add_enterprise"):
        raise PermissionDenied("只有企业申报人可以提交该类申领")
    employers = user.employers.select_related("district")
    employer = employers.filter(uscc=uscc.upper()).first() if uscc else employers.order_by("pk").first()
    if employer is None:
        raise NotFound("用人单位不存在")
    return employer


class PersonSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=64)


class WorkerSerializer(PersonSerializer):
    months = serializers.ListField(child=serializers.RegexField(r"^\d{4}-\d{2}$"), min_length=1)


class WorkForTrainingSerializer(serializers.Serializer):
    employer = serializers.CharField(required=False, allow_blank=True, default="")
    # Blank: the year of the last month claimed.
    year = serializers.IntegerField(min_value=2021, max_value=2100, required=False, allow_null=True)
    workers = WorkerSerializer(many=True)


def _rows(people: list[dict[str, Any]]) -> list[filing.PersonRow]:
    return [filing.PersonRow(p["id_number"], p["name"]) for p in people]


def _work_for_training(request: Request, claim: Claim | None = None) -> Claim:
    """Create a 以工代训 claim, or with `claim` replace the draft's rows (PATCH)."""
    data = validated(WorkForTrainingSerializer, request.data)

    def build(persons: list[Any]) -> Claim:
        user = signed_in(request)
        workers = [
            employer_claims.WorkerMonths(person, list(worker["months"]))
            for person, worker in zip(persons, data["workers"], strict=True)
        ]
        if claim is not None:
            return employer_claims.claim_update_work_for_training(
                claim=claim, actor=user, year=data.get("year"), workers=workers
            )
        return employer_claims.claim_create_work_for_training(
            actor=user,
            employer=_employer(request, data["employer"]),
            year=data.get("year"),
            workers=workers,
        )

    return filing.claim_create_with_persons(rows=_rows(data["workers"]), create=build)


class ApprenticeSerializer(PersonSerializer):
    start = serializers.DateField()
    end = serializers.DateField()
    planned_months = serializers.IntegerField(min_value=1, max_value=60)
    passed = serializers.BooleanField(default=True)
    actual_months = serializers.IntegerField(min_value=0, max_value=60, required=False, allow_null=True)
    early_end = serializers.ChoiceField(
        choices=list(EARLY_END_LABELS.items()), required=False, allow_null=True
    )
    early_end_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ApprenticeshipSerializer(serializers.Serializer):
    employer = serializers.CharField(required=False, allow_blank=True, default="")
    stage = serializers.ChoiceField(choices=["advance", "completion", "early_end"])
    # Blank: the year of the stage's date (the opening for an advance, the end for a settlement).
    year = serializers.IntegerField(min_value=2021, max_value=2100, required=False, allow_null=True)
    apprentices = ApprenticeSerializer(many=True)


def _apprenticeship(request: Request, claim: Claim | None = None) -> Claim:
    """Create an apprenticeship claim, or with `claim` replace the draft's rows (PATCH)."""
    data = validated(ApprenticeshipSerializer, request.data)
    early = data["stage"] == "early_end"

    def build(persons: list[Any]) -> Claim:
        user = signed_in(request)
        apprentices = [
            employer_claims.Apprentice(
                person=person,
                start=a["start"],
                end=a["end"],
                planned_months=a["planned_months"],
                passed=a["passed"],
                actual_months=a.get("actual_months") if early else None,
                early_end=a.get("early_end") if early else None,
                early_end_reason=a["early_end_reason"] if early else "",
            )
            for person, a in zip(persons, data["apprentices"], strict=True)
        ]
        if claim is not None:
            return employer_claims.claim_update_apprenticeship(
                claim=claim,
                actor=user,
                stage=data["stage"],
                year=data.get("year"),
                apprentices=apprentices,
            )
        return employer_claims.claim_create_apprenticeship(
            actor=user,
            employer=_employer(request, data["employer"]),
            stage=data["stage"],
            year=data.get("year"),
            apprentices=apprentices,
        )

    return filing.claim_create_with_persons(rows=_rows(data["apprentices"]), create=build)


class TrainingSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    occupation = serializers.SlugRelatedField(slug_field="code", queryset=Occupation.objects.all())
    level = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    planned_online = serializers.IntegerField(min_value=0, default=0)


class EnterpriseTraineeSerializer(PersonSerializer):
    relation = serializers.ChoiceField(choices=list(TRAINEE_RELATIONS.items()))
    attended_offline = serializers.IntegerField(min_value=0)
    attended_online = serializers.IntegerField(min_value=0, default=0)
    passed = serializers.BooleanField(default=True)


class EnterpriseDirectSerializer(serializers.Serializer):
    employer = serializers.CharField(required=False, allow_blank=True, default="")
    training = TrainingSerializer()
    trainees = EnterpriseTraineeSerializer(many=True)


def _enterprise_direct(request: Request, claim: Claim | None = None) -> Claim:
    """Create an enterprise direct claim, or with `claim` replace the draft's training and rows."""
    data = validated(EnterpriseDirectSerializer, request.data)

    def build(persons: list[Any]) -> Claim:
        user = signed_in(request)
        training = employer_claims.EnterpriseTraining(**data["training"])
        trainees = [
            employer_claims.EnterpriseTrainee(
                person=person,
                relation=t["relation"],
                attended_offline=t["attended_offline"],
                attended_online=t["attended_online"],
                passed=t["passed"],
            )
            for person, t in zip(persons, data["trainees"], strict=True)
        ]
        if claim is not None:
            return employer_claims.claim_update_enterprise_direct(
                claim=claim, actor=user, training=training, trainees=trainees
            )
        return employer_claims.claim_create_enterprise_direct(
            actor=user,
            employer=_employer(request, data["employer"]),
            training=training,
            trainees=trainees,
        )

    return filing.claim_create_with_persons(rows=_rows(data["trainees"]), create=build)


CREATE = {
    ClaimKind.CLASS_COMPLETION: _create_for_class,
    ClaimKind.LIVING_ALLOWANCE: _create_for_class,
    ClaimKind.WORK_FOR_TRAINING: _work_for_training,
    ClaimKind.APPRENTICESHIP: _apprenticeship,
    ClaimKind.ENTERPRISE_DIRECT: _enterprise_direct,
}


def _with_kind(name: str, base: type[serializers.Serializer], kinds: list[str]) -> serializers.Serializer:
    """The body of POST /claims/ for `kinds`, as the schema shows it: `kind` and the kind's fields."""
    fields = {"kind": serializers.ChoiceField(choices=[str(kind) for kind in kinds]), **base().get_fields()}
    return inline_serializer(name, fields)


CLAIM_CREATE = PolymorphicProxySerializer(
    component_name="ClaimCreate",
    serializers={
        ClaimKind.CLASS_COMPLETION.value: _with_kind(
            "ClassCompletionClaim", ClassClaimSerializer, [ClaimKind.CLASS_COMPLETION]
        ),
        ClaimKind.LIVING_ALLOWANCE.value: _with_kind(
            "LivingAllowanceClaim", ClassClaimSerializer, [ClaimKind.LIVING_ALLOWANCE]
        ),
        ClaimKind.WORK_FOR_TRAINING.value: _with_kind(
            "WorkForTrainingClaim", WorkForTrainingSerializer, [ClaimKind.WORK_FOR_TRAINING]
        ),
        ClaimKind.APPRENTICESHIP.value: _with_kind(
            "ApprenticeshipClaim", ApprenticeshipSerializer, [ClaimKind.APPRENTICESHIP]
        ),
        ClaimKind.ENTERPRISE_DIRECT.value: _with_kind(
            "EnterpriseDirectClaim", EnterpriseDirectSerializer, [ClaimKind.ENTERPRISE_DIRECT]
        ),
    },
    resource_type_field_name="kind",
)
CLAIM_UPDATE = PolymorphicProxySerializer(
    component_name="ClaimUpdate",
    serializers=[WorkForTrainingSerializer, ApprenticeshipSerializer, EnterpriseDirectSerializer],
    resource_type_field_name=None,
)


class ClaimListCreateApi(ListAPIView):
    """GET: the claims the caller may see (?kind ?status ?claimant ?district ?amount_min
    ?amount_max ?has_findings). POST: a new draft claim of any kind (see CREATE_SERIALIZERS)."""

    serializer_class = ClaimSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        qs = filter_api(ClaimFilter, self.request, selectors.claim_list(user=signed_in(self.request)))
        return qs.order_by("-created_at", "-pk")

    @extend_schema(
        summary="申领列表 / Claims",
        parameters=[
            OpenApiParameter("kind", str, description="申领类型 / Kind of claim"),
            OpenApiParameter("status", str, description="状态 / Status"),
            OpenApiParameter("claimant", str, description="申领单位名称或代码 / Claimant's name or code"),
            OpenApiParameter("district", str, description="区县代码 / District code"),
            OpenApiParameter("amount_min", OpenApiTypes.DECIMAL, description="金额下限 / Least amount"),
            OpenApiParameter("amount_max", OpenApiTypes.DECIMAL, description="金额上限 / Greatest amount"),
            OpenApiParameter("has_findings", str, description="有无发现（1/0）/ With findings (1/0)"),
        ],
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


# The kinds whose rows the claimant types, and so edits (PATCH); a class's claims follow the class
# and are quoted again by POST …/recompute.
UPDATE: dict[str, Callable[[Request, Claim | None], Claim]] = {
    ClaimKind.WORK_FOR_TRAINING: _work_for_training,
    ClaimKind.APPRENTICESHIP: _apprenticeship,
    ClaimKind.ENTERPRISE_DIRECT: _enterprise_direct,
}


# Acting on a claim ------------------------------------------------------------------------------


def _claim_for(request: Request, pk: int, action: str) -> Claim:
    user = signed_in(request)
    claim = selectors.claim_get(claim_id=pk, user=user)
    if not claim_policy.can(user, action, claim):
        raise PermissionDenied("您无权执行此操作")
    return claim


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
        claim = _claim_for(request, pk, "change")
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
        claim = _claim_for(request, pk, "change")
        drafts.claim_delete_draft(
            claim=claim,
            actor=signed_in(request),
            reason=request.data.get("reason", "") if isinstance(request.data, dict) else "",
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        claim = recompute.claim_recompute(claim=_claim_for(request, pk, "change"))
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
        claim = _claim_for(request, pk, "review")
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
        claim = _claim_for(request, pk, "recommend")
        claim = review.claim_recommend(
            claim=claim, actor=user, text=validated(self.InputSerializer, request.data)["text"]
        )
        return Response(claim_data(claim, user))


class MaterialsApi(APIView):
    """POST multipart {"kind": "plan" | "sign_in" | "video" | "other", "file": …}: 201 with the
    material; the claimant only, while the claim is a draft or returned."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="MaterialUpload")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=MaterialKind.choices)
        file = serializers.FileField()

    @extend_schema(
        summary="上传申领材料 / Upload a material",
        request={"multipart/form-data": InputSerializer},
        responses={201: MaterialOutSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = _claim_for(request, pk, "change")
        data = validated(self.InputSerializer, request.data)
        material = material_services.claim_material_upload(
            claim=claim, actor=signed_in(request), kind=data["kind"], upload=data["file"]
        )
        return Response(_material(material), status=status.HTTP_201_CREATED)


class MaterialDetailApi(APIView):
    @extend_schema(summary="删除申领材料 / Delete a material", responses={204: None}, tags=["claims"])
    def delete(self, request: Request, pk: int, material_pk: int) -> Response:
        claim = _claim_for(request, pk, "change")
        material = claim.materials.filter(pk=material_pk).first()
        if material is None:
            raise NotFound("申领材料不存在")
        material_services.claim_material_delete(material=material, actor=signed_in(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
