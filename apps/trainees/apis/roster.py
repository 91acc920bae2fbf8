"""The roster API. ID numbers and phones are masked for every role; those who may reveal one
person's (the class's operators, the officers of its district, the municipal admin) do it by
POST /persons/{id}/reveal, which is logged like the page's "显示完整信息"."""

from __future__ import annotations

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.core.filters import DocumentedFilters, filter_api
from apps.core.parsers import FormParser, MultiPartParser
from apps.core.permissions import signed_in

from ..filters import RosterFilter
from ..imports.jobs import import_or_queue
from ..imports.roster import parse_roster
from ..models import Enrolment, ImportKind, Person
from ..permissions import may_enrol, may_reveal_for_class, person_policy
from ..selectors import roster as selectors
from ..services.enrolment import enrolment_create, enrolment_withdraw, roster_import
from ..services.persons import REVEAL_PURPOSES, person_reveal
from .jobs import ImportJobSerializer, job_accepted


def _person_data(person: Person, *, revealed: bool = False) -> dict[str, Any]:
    shown = selectors.PersonShown(person, revealed=revealed)
    return {
        "id": person.pk,
        "name": person.name,
        "id_number": shown.id_number,
        "phone": shown.phone,
        "gender": person.gender,
        "birth": shown.birth,
        "household_region": person.household_region,
        "groups": [g.group for g in person.groups.all()],
    }


class PersonOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="身份证号码（默认遮蔽）/ ID number (masked unless revealed)")
    phone = serializers.CharField(help_text="手机号码（默认遮蔽）/ Phone (masked unless revealed)")
    gender = serializers.CharField()
    birth = serializers.CharField(allow_null=True)
    household_region = serializers.CharField()
    groups = serializers.ListField(child=serializers.CharField())


class PersonDetailOutSerializer(PersonOutSerializer):
    can_reveal = serializers.BooleanField()


class EnrolmentSerializer(serializers.ModelSerializer):
    person = serializers.SerializerMethodField()
    relation_label = serializers.SerializerMethodField()
    can_reveal = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "training_class",
            "person",
            "relation",
            "relation_label",
            "status",
            "warnings",
            "can_reveal",
        ]

    @extend_schema_field(PersonOutSerializer)
    def get_person(self, obj: Enrolment) -> dict[str, Any]:
        return _person_data(obj.person)

    def get_relation_label(self, obj: Enrolment) -> str:
        return selectors.relation_label(obj)

    def get_can_reveal(self, obj: Enrolment) -> bool:
        return bool(self.context.get("can_reveal"))


class EnrolmentInputSerializer(serializers.Serializer):
    # Everything optional here: the registry's cleaners refuse bad values with
    # {"detail", "rule", "field"} like every other domain error.
    id_number = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    household_region = serializers.CharField(required=False, allow_blank=True, default="")
    groups = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    relation = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(get=extend_schema(summary="花名册 / A class's roster", tags=["roster"]))
class RosterEnrolmentsApi(ListAPIView):
    """GET: the class's roster (masked), ?status=enrolled|withdrawn, ?q=. POST (the class's
    operators): enrol one person, with the same checks as the page."""

    queryset = Enrolment.objects.none()  # the model, for the schema; rows come from get_queryset
    filter_backends = [DocumentedFilters]
    filterset_class = RosterFilter

    serializer_class = EnrolmentSerializer

    def get_queryset(self):
        training_class = selectors.roster_class_get(class_id=self.kwargs["pk"], user=signed_in(self.request))
        self.training_class = training_class
        roster = selectors.roster_list(training_class=training_class)
        return filter_api(RosterFilter, self.request, roster).order_by("pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        training_class = getattr(self, "training_class", None)
        context["can_reveal"] = training_class is not None and may_reveal_for_class(
            signed_in(self.request), training_class
        )
        return context

    @extend_schema(
        summary="登记一名学员 / Enrol one person",
        request=EnrolmentInputSerializer,
        responses={201: EnrolmentSerializer},
        tags=["roster"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = selectors.roster_class_get(class_id=pk, user=user)
        if not may_enrol(user, training_class):
            raise PermissionDenied("只有本班所属培训机构的经办人可以登记学员")
        data = EnrolmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = enrolment_create(training_class=training_class, actor=user, **data.validated_data)
        enrolment = selectors.enrolment_get(enrolment_id=enrolment.pk, user=user)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class RosterUploadApi(APIView):
    """POST multipart `file` (.xlsx): 201 with counts, or 400 with every error by row."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="导入花名册（.xlsx）/ Upload a roster (.xlsx)",
        request={
            "multipart/form-data": inline_serializer(
                "RosterUpload",
                {"file": serializers.FileField(help_text="花名册 .xlsx / The roster workbook")},
            )
        },
        responses={
            201: inline_serializer(
                "RosterImported",
                {
                    "enrolled": serializers.IntegerField(),
                    "persons_created": serializers.IntegerField(),
                    "persons_reused": serializers.IntegerField(),
                    "with_warnings": serializers.IntegerField(),
                    "already_enrolled": serializers.IntegerField(),
                },
            ),
            202: ImportJobSerializer,
        },
        tags=["roster"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = selectors.roster_class_get(class_id=pk, user=user)
        if not may_enrol(user, training_class):
            raise PermissionDenied("只有本班所属培训机构的经办人可以导入花名册")
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("请上传花名册文件（字段名 file）", field="file")
        job = import_or_queue(
            actor=user,
            training_class=training_class,
            kind=ImportKind.ROSTER,
            upload=upload,
            filename=upload.name,
        )
        if job is not None:
            return job_accepted(job)
        roster = parse_roster(upload, training_class=training_class, filename=upload.name)
        result = roster_import(training_class=training_class, actor=user, roster=roster)
        return Response(
            {
                "enrolled": result.enrolled,
                "persons_created": result.persons_created,
                "persons_reused": result.persons_reused,
                "with_warnings": result.with_warnings,
                "already_enrolled": result.already_enrolled,
            },
            status=status.HTTP_201_CREATED,
        )


class EnrolmentWithdrawApi(APIView):
    """POST {"reason": "…"} (the class's operators)."""

    @extend_schema_serializer(component_name="Withdraw")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        summary="学员退出 / Withdraw an enrolment",
        request=InputSerializer,
        responses={200: EnrolmentSerializer},
        tags=["roster"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        enrolment = selectors.enrolment_get(enrolment_id=pk, user=user)
        if not may_enrol(user, enrolment.training_class):
            raise PermissionDenied("只有本班所属培训机构的经办人可以办理学员退出")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = enrolment_withdraw(enrolment=enrolment, actor=user, **data.validated_data)
        return Response(EnrolmentSerializer(enrolment).data)


class PersonDetailApi(APIView):
    @extend_schema(
        summary="学员（遮蔽）/ A person (masked)", responses={200: PersonDetailOutSerializer}, tags=["roster"]
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        person = selectors.person_get(person_id=pk, user=user)
        data = _person_data(person)
        data["can_reveal"] = person_policy.can(user, "reveal", person)
        return Response(data)


@method_decorator(never_cache, name="dispatch")
class PersonRevealApi(APIView):
    """POST {"purpose": "roster" | "identity" | "contact" | "review"}: the full ID number and
    phone, logged as a PersonalDataView."""

    @extend_schema_serializer(component_name="Reveal")
    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=list(REVEAL_PURPOSES.items()))

    @extend_schema(
        summary="查看完整身份信息（留痕）/ Reveal a person's ID and phone (logged)",
        request=InputSerializer,
        responses={200: PersonOutSerializer},
        tags=["roster"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        person = selectors.person_get(person_id=pk, user=user)
        if not person_policy.can(user, "reveal", person):
            raise PermissionDenied("您无权查看该学员的完整身份信息")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person_reveal(person=person, viewer=user, purpose=data.validated_data["purpose"])
        return Response(_person_data(person, revealed=True))
