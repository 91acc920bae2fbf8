"""Creating each kind of claim over HTTP (POST /api/v1/claims/), and replacing the rows of the
kinds the claimant types (PATCH /api/v1/claims/<id>/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request

from apps.catalog.models import Occupation
from apps.classes.selectors import class_get
from apps.core.apis import id_field, validated
from apps.core.permissions import signed_in
from apps.institutions.models import Employer
from apps.rules.apprenticeship import EARLY_END_LABELS
from apps.rules.enterprise import TRAINEE_RELATIONS

from ..models import Claim, ClaimKind
from ..permissions import claim_policy
from ..services import class_claims, employer_claims, filing


class ClassClaimSerializer(serializers.Serializer):
    training_class = id_field()


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


# The kinds whose rows the claimant types, and so edits (PATCH); a class's claims follow the class
# and are quoted again by POST …/recompute.
UPDATE: dict[str, Callable[[Request, Claim | None], Claim]] = {
    ClaimKind.WORK_FOR_TRAINING: _work_for_training,
    ClaimKind.APPRENTICESHIP: _apprenticeship,
    ClaimKind.ENTERPRISE_DIRECT: _enterprise_direct,
}
