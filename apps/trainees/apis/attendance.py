"""The attendance and results API of one class.

GET  /classes/{id}/attendance          per trainee per session: minutes, class-hours, flags; totals
POST /classes/{id}/attendance/online   an online platform's CSV (multipart `file`) → 201 counts, or
                                        400 {"detail", "errors": [{"row", "field", "message"}]}
GET  /classes/{id}/results             every trainee's result and whether all are in
POST /classes/{id}/results             one trainee's result

Read by everyone who may read the class (404 otherwise); written by its operators (403 for
everyone else). ID numbers are masked for every role; each trainee names its `person` and whether
the user may reveal it (`can_reveal`: POST /persons/{person}/reveal, logged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.classes.models import ClassSession
from apps.classes.selectors import class_get
from apps.core.apis import id_field
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.core.parsers import MultiPartParser
from apps.core.permissions import signed_in

from ..imports.attendance import attendance_import
from ..imports.jobs import import_or_queue
from ..imports.results import results_import
from ..models import AttendanceSource, CertificateType, Enrolment, ImportKind, Outcome, Result
from ..permissions import may_reveal_for_class
from ..selectors.attendance import attendance_grid, operator_class_get
from ..selectors.roster import enrolments_active
from ..services.attendance import MODE_LABELS, AttendanceInput, attendance_record_many
from ..services.results import result_record, results_complete
from .jobs import ImportJobSerializer, job_accepted

if TYPE_CHECKING:
    from apps.core.permissions import Actor


def _session_data(session: ClassSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "date": session.date.isoformat(),
        "start_time": f"{session.start_time:%H:%M}",
        "end_time": f"{session.end_time:%H:%M}",
        "mode": session.mode,
        "minutes": session.minutes,
        "class_hours": session.class_hours,
    }


def _moment(value: Any) -> str | None:
    return None if value is None else value.isoformat()


class SessionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    start_time = serializers.CharField(help_text="HH:MM")
    end_time = serializers.CharField(help_text="HH:MM")
    mode = serializers.CharField()
    minutes = serializers.IntegerField()
    class_hours = serializers.IntegerField()


class AttendanceCellSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    minutes = serializers.IntegerField()
    class_hours = serializers.IntegerField()
    mode = serializers.CharField()
    signed_in_at = serializers.CharField(allow_null=True)
    signed_out_at = serializers.CharField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())


class TraineeAttendanceSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    person = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    can_reveal = serializers.BooleanField()
    attendance = AttendanceCellSerializer(many=True)
    offline_hours = serializers.IntegerField()
    online_hours = serializers.IntegerField()
    class_hours = serializers.IntegerField()
    days = serializers.CharField(help_text="培训天数（带分数，如 3 1/3）/ Training days, as 3 1/3")


class AttendancePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TraineeAttendanceSerializer(many=True)
    sessions = SessionOutSerializer(many=True)


COUNTS = inline_serializer(
    "SavedCounts",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "saved": serializers.IntegerField(),
    },
)


def _counts(counts: Any) -> Response:
    return Response(
        {"created": counts.created, "updated": counts.updated, "saved": counts.saved},
        status=status.HTTP_201_CREATED,
    )


class AttendanceEntrySerializer(serializers.Serializer):
    session = id_field(help_text="课次编号（GET …/attendance 的 sessions）/ Session id")
    enrolment = id_field(help_text="学员登记编号 / Enrolment id")
    mode = serializers.ChoiceField(
        choices=list(MODE_LABELS.items()), help_text="出勤方式 / How the trainee attended"
    )
    minutes = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="出勤分钟；不填则按签到签退计算 / Minutes; if left out, from the sign-in and sign-out",
    )
    signed_in_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    signed_out_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AttendanceRecordsSerializer(serializers.Serializer):
    # many=True hands max_length to the ListSerializer it builds (DRF's LIST_SERIALIZER_KWARGS);
    # the stubs type only the child's own arguments.
    records = AttendanceEntrySerializer(many=True, allow_empty=False, max_length=20000)  # type: ignore[call-arg]


def _upload_schema(name: str, summary: str, what: str, tag: str) -> Any:
    return extend_schema_view(
        post=extend_schema(
            summary=summary,
            request={
                "multipart/form-data": inline_serializer(
                    name, {"file": serializers.FileField(help_text=what)}
                )
            },
            responses={201: COUNTS, 202: ImportJobSerializer},
            tags=[tag],
        )
    )


class _ClassUploadApi(APIView):
    """POST multipart `file` into one class (its operators only): 201 with counts, or 400 naming
    every row at fault and nothing saved. Each upload names its file and how it is read."""

    parser_classes = [MultiPartParser]
    what = ""
    kind = ""

    def read(self, *, actor: Actor, training_class: Any, upload: Any) -> Any:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = operator_class_get(class_id=pk, user=user)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(f"请以 multipart/form-data 上传 file 字段（{self.what}）", field="file")
        job = import_or_queue(
            actor=user, training_class=training_class, kind=self.kind, upload=upload, filename=upload.name
        )
        if job is not None:
            return job_accepted(job)
        return _counts(self.read(actor=user, training_class=training_class, upload=upload))


class _AttendanceUploadApi(_ClassUploadApi):
    """An attendance file, read by the importer of its `kind`."""

    source = AttendanceSource.SIGN_IN_SHEET

    def read(self, *, actor: Actor, training_class: Any, upload: Any) -> Any:
        return attendance_import(
            actor=actor, training_class=training_class, source=upload, filename=upload.name, kind=self.source
        )


@_upload_schema(
    "SignInSheetUpload",
    "上传学员签到表（.xlsx）/ Upload a sign-in sheet (.xlsx)",
    "签到表 .xlsx / The sign-in sheet",
    "attendance",
)
class SignInSheetImportApi(_AttendanceUploadApi):
    """The class's sign-in sheet (.xlsx, the template of the attendance page)."""

    what = ".xlsx 签到表"
    kind = ImportKind.SIGN_IN_SHEET
    source = AttendanceSource.SIGN_IN_SHEET


@_upload_schema(
    "AttendanceUpload",
    "上传线上平台学时（CSV）/ Upload an online platform's CSV",
    "CSV 文件 / The CSV file",
    "attendance",
)
class OnlineAttendanceImportApi(_AttendanceUploadApi):
    """An online platform's export of study minutes (.csv)."""

    what = ".csv 文件"
    kind = ImportKind.ONLINE_ATTENDANCE
    source = AttendanceSource.ONLINE_PLATFORM


@_upload_schema(
    "ResultsUpload",
    "上传考核结果（.xlsx）/ Upload results (.xlsx)",
    "考核结果 .xlsx / The results workbook",
    "results",
)
class ResultsImportApi(_ClassUploadApi):
    """Every trainee's result (.xlsx, the template of the results page)."""

    what = ".xlsx 考核结果"
    kind = ImportKind.RESULTS

    def read(self, *, actor: Actor, training_class: Any, upload: Any) -> Any:
        return results_import(actor=actor, training_class=training_class, source=upload, filename=upload.name)


class AttendanceApi(APIView):
    """GET: every trainee's attendance of every session, paginated. POST {"records": [{"session",
    "enrolment", "mode", "minutes" | "signed_in_at" + "signed_out_at"}]}: many attendances at once (the
    class's operators): 201 with counts, or 400 naming every row at fault, and nothing saved."""

    @extend_schema(
        summary="考勤明细 / Attendance of a class",
        responses={200: AttendancePageSerializer},
        tags=["attendance"],
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = class_get(class_id=pk, user=user)
        can_reveal = may_reveal_for_class(user, training_class)
        sessions = list(training_class.sessions.all())
        paginator = PageNumberPagination()
        page = (
            paginator.paginate_queryset(enrolments_active(training_class=training_class), request, view=self)
            or []
        )
        rows = attendance_grid(training_class=training_class, sessions=sessions, enrolments=page)
        trainees = [
            {
                "enrolment": row.enrolment.pk,
                "person": row.enrolment.person_id,
                "name": row.enrolment.person.name,
                "id_number": row.id_number,
                "can_reveal": can_reveal,
                "attendance": [
                    {
                        "session": session.pk,
                        "minutes": cell.minutes,
                        "class_hours": cell.class_hours,
                        "mode": cell.mode,
                        "signed_in_at": _moment(cell.signed_in_at),
                        "signed_out_at": _moment(cell.signed_out_at),
                        "flags": cell.flags,
                    }
                    for session, cell in zip(sessions, row.cells, strict=True)
                    if cell is not None
                ],
                "offline_hours": row.offline_hours,
                "online_hours": row.online_hours,
                "class_hours": row.total_hours,
                "days": row.days,
            }
            for row in rows
        ]
        response = paginator.get_paginated_response(trainees)
        response.data["sessions"] = [_session_data(s) for s in sessions]
        return response

    @extend_schema(
        summary="录入出勤（JSON，可批量）/ Record attendance (JSON, many at once)",
        request=AttendanceRecordsSerializer,
        responses={201: COUNTS},
        tags=["attendance"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = operator_class_get(class_id=pk, user=user)
        data = AttendanceRecordsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = [AttendanceInput(**record) for record in data.validated_data["records"]]
        return _counts(attendance_record_many(actor=user, training_class=training_class, entries=entries))


class ResultInputSerializer(serializers.Serializer):
    enrolment = id_field()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    certificate_type = serializers.ChoiceField(
        choices=CertificateType.choices, allow_blank=True, required=False, default=""
    )
    certificate_number = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    certificate_date = serializers.DateField(allow_null=True, required=False, default=None)


def _result_data(result: Result | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "outcome": result.outcome,
        "certificate_type": result.certificate_type,
        "certificate_number": result.certificate_number,
        "certificate_date": _moment(result.certificate_date),
    }


class ResultOutSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    certificate_type = serializers.CharField()
    certificate_number = serializers.CharField()
    certificate_date = serializers.CharField(allow_null=True)


class TraineeResultSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    person = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    can_reveal = serializers.BooleanField()
    result = ResultOutSerializer(allow_null=True)


class ResultsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TraineeResultSerializer(many=True)
    complete = serializers.BooleanField()
    lacking = serializers.ListField(
        child=serializers.CharField(), help_text="尚无结果的学员 / Trainees without a result"
    )


class ResultsApi(APIView):
    @extend_schema(
        summary="结业结果 / Results of a class", responses={200: ResultsPageSerializer}, tags=["results"]
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = class_get(class_id=pk, user=user)
        can_reveal = may_reveal_for_class(user, training_class)
        paginator = PageNumberPagination()
        page = (
            paginator.paginate_queryset(
                enrolments_active(training_class=training_class).select_related("result"), request, view=self
            )
            or []
        )
        response = paginator.get_paginated_response(
            [
                {
                    "enrolment": e.pk,
                    "person": e.person_id,
                    "name": e.person.name,
                    "id_number": mask_id_number(e.person.id_number),
                    "can_reveal": can_reveal,
                    "result": _result_data(getattr(e, "result", None)),
                }
                for e in page
            ]
        )
        complete, lacking = results_complete(training_class)
        response.data["complete"] = complete
        response.data["lacking"] = lacking
        return response

    @extend_schema(
        summary="录入一名学员的结果 / Record one trainee's result",
        request=ResultInputSerializer,
        responses={
            201: inline_serializer(
                "ResultRecorded", {"enrolment": serializers.IntegerField(), "result": ResultOutSerializer()}
            )
        },
        tags=["results"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = signed_in(request)
        training_class = operator_class_get(class_id=pk, user=user)
        data = ResultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enrolment = get_object_or_404(
            Enrolment.objects.select_related("person", "training_class"),
            pk=values.pop("enrolment"),
            training_class=training_class,
        )
        result = result_record(actor=user, enrolment=enrolment, **values)
        return Response(
            {"enrolment": enrolment.pk, "result": _result_data(result)}, status=status.HTTP_201_CREATED
        )
