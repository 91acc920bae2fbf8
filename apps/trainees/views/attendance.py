"""Attendance and results pages of one class.

Everyone who may read the class reads them (officers of its district, the municipal admin,
auditors, engaged third-party reviewers, its operators); a class out of scope is 404. Only the
class's own operators write (403 for everyone else). ID numbers are masked for every role; each
name leads to the person's page, where the class's operators, the officers of its district and
the municipal admin may reveal it (logged). The templates to fill in hold full ID numbers: the
class's operators alone download them, each download logged per person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from apps.classes.permissions import is_class_operator
from apps.classes.selectors import class_get
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.core.permissions import signed_in
from apps.core.tabular import TableErrors
from apps.core.views import paginate

from ..forms.attendance import ResultForm, SessionAttendanceForm, UploadForm
from ..imports.attendance import ONLINE_HEADERS, SHEET_HEADERS, attendance_import, sign_in_sheet_template
from ..imports.jobs import import_or_queue
from ..imports.results import RESULT_HEADERS, results_import, results_template
from ..models import AttendanceSource, ImportKind
from ..permissions import may_reveal_for_class
from ..selectors.attendance import (
    Cell,
    TraineeRow,
    attendance_grid,
    flagged_count,
    operator_class_get,
)
from ..selectors.roster import enrolments_active
from ..services.attendance import OPEN_FOR_ATTENDANCE, attendance_entry, attendance_save_many
from ..services.results import OPEN_FOR_RESULTS, result_record, results_complete
from .roster import queued_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    """Trainees × sessions: class-hours per session, totals offline and online, days."""
    user = signed_in(request)
    training_class = class_get(class_id=pk, user=user)
    operator = is_class_operator(user, training_class)
    sessions = list(training_class.sessions.all())
    page = paginate(request, enrolments_active(training_class=training_class))
    rows = attendance_grid(training_class=training_class, sessions=sessions, enrolments=page.object_list)
    return render(
        request,
        "trainees/attendance/grid.html",
        {
            "object": training_class,
            "sessions": sessions,
            "planned_hours": sum(s.class_hours for s in sessions),
            "page": page,
            "rows": rows,
            "flagged": flagged_count(training_class=training_class),
            "operator": operator,
            "can_reveal": may_reveal_for_class(user, training_class),
            "open": training_class.status in OPEN_FOR_ATTENDANCE,
        },
    )


@dataclass(frozen=True)
class SessionRow:
    """One trainee on a session's page: the grid's row, the session's cell, the entry form."""

    trainee: TraineeRow
    cell: Cell | None
    form: SessionAttendanceForm


@login_required
def session_entry(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """One session: every trainee's minutes, mode, sign-in and sign-out; a form for the operator."""
    user = signed_in(request)
    training_class = class_get(class_id=pk, user=user)
    session = get_object_or_404(training_class.sessions, pk=session_pk)
    operator = is_class_operator(user, training_class)
    if request.method == "POST" and not operator:
        raise PermissionDenied
    writable = operator and training_class.status in OPEN_FOR_ATTENDANCE
    page = paginate(request, enrolments_active(training_class=training_class))
    data = request.POST if request.method == "POST" else None
    rows = [
        SessionRow(
            trainee,
            trainee.cells[0],
            SessionAttendanceForm(
                data, prefix=f"e{trainee.enrolment.pk}", session=session, attendance=trainee.cells[0]
            ),
        )
        for trainee in attendance_grid(
            training_class=training_class, sessions=[session], enrolments=page.object_list
        )
    ]
    if request.method == "POST":
        if not writable:
            messages.error(request, f"{training_class.get_status_display()}的班级不能录入出勤")
            return redirect("attendance:session", pk=pk, session_pk=session.pk)
        entries = []
        for row in rows:
            form = row.form
            if not form.is_valid() or not form.to_save:
                continue
            try:
                entries.append(
                    attendance_entry(session=session, enrolment=row.trainee.enrolment, **form.entry())
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
        if all(row.form.is_valid() for row in rows):
            try:
                counts = attendance_save_many(
                    actor=user,
                    training_class=training_class,
                    rows=entries,
                    source=AttendanceSource.MANUAL,
                    reason=f"录入 {session} 出勤",
                )
            except ApplicationError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, f"已保存：新增 {counts.created} 条，更新 {counts.updated} 条出勤记录"
                )
                return redirect(f"{request.path}?page={page.number}")
        else:
            messages.error(request, "请更正下面标出的学员后再保存，本页未保存任何记录")
    return render(
        request,
        "trainees/attendance/session.html",
        {
            "object": training_class,
            "session": session,
            "page": page,
            "rows": rows,
            "writable": writable,
            "can_reveal": may_reveal_for_class(user, training_class),
        },
    )


def _import(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = signed_in(request)
    training_class = operator_class_get(class_id=pk, user=user)
    sheet = kind == AttendanceSource.SIGN_IN_SHEET
    label = "学员签到表 (.xlsx)" if sheet else "线上平台导出文件 (.csv，UTF-8)"
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        kind="sign_in_sheet" if sheet else "online_attendance",
        label=label,
    )
    row_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_or_queue(
                actor=user,
                training_class=training_class,
                kind=ImportKind.SIGN_IN_SHEET if sheet else ImportKind.ONLINE_ATTENDANCE,
                upload=upload,
                filename=upload.name,
            )
            if job is not None:
                return queued_page(request, job)
            counts = attendance_import(
                actor=user,
                training_class=training_class,
                source=upload,
                filename=upload.name,
                kind=kind,
            )
        except TableErrors as exc:
            row_errors = exc.errors
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            skipped = f"，{counts.skipped} 行未填签到签退时间（缺勤）未导入" if counts.skipped else ""
            messages.success(
                request, f"导入成功：新增 {counts.created} 条，更新 {counts.updated} 条出勤记录{skipped}"
            )
            return redirect("attendance:grid", pk=pk)
    return render(
        request,
        "trainees/attendance/import.html",
        {
            "object": training_class,
            "form": form,
            "row_errors": row_errors,
            "sheet": sheet,
            "columns": SHEET_HEADERS if sheet else ONLINE_HEADERS,
            "open": training_class.status in OPEN_FOR_ATTENDANCE,
        },
    )


@login_required
def import_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    return _import(request, pk, AttendanceSource.SIGN_IN_SHEET)


@login_required
def import_online(request: HttpRequest, pk: int) -> HttpResponse:
    return _import(request, pk, AttendanceSource.ONLINE_PLATFORM)


@login_required
@never_cache
def sheet_template(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = operator_class_get(class_id=pk, user=user)
    content = sign_in_sheet_template(actor=user, training_class=training_class)
    return _download(content, f"学员签到表-{training_class.name}-内部资料.xlsx")


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Every trainee's result; for the operator of a running class, a form per trainee."""
    user = signed_in(request)
    training_class = class_get(class_id=pk, user=user)
    operator = is_class_operator(user, training_class)
    writable = operator and training_class.status in OPEN_FOR_RESULTS
    trainees = enrolments_active(training_class=training_class).select_related("result")
    failed: ResultForm | None = None
    if request.method == "POST":
        if not operator:
            raise PermissionDenied
        enrolment = get_object_or_404(trainees, pk=request.POST.get("enrolment") or 0)
        if not writable:
            messages.error(request, f"{training_class.get_status_display()}的班级不能录入考核结果")
            return redirect("attendance:results", pk=pk)
        failed = ResultForm(request.POST, prefix=f"r{enrolment.pk}")
        if failed.is_valid():
            try:
                result_record(actor=user, enrolment=enrolment, **failed.cleaned_data)
            except ApplicationError as exc:
                exc.add_to_form(failed)
            else:
                messages.success(request, f"已保存 {enrolment.person.name} 的考核结果")
                return redirect(f"{request.get_full_path()}#r{enrolment.pk}")
        messages.error(request, f"{enrolment.person.name} 的考核结果未保存，请更正标出的内容")
    page = paginate(request, trainees)
    rows = []
    for e in page.object_list:
        result = getattr(e, "result", None)
        form = failed if failed is not None and failed.prefix == f"r{e.pk}" else None
        rows.append(
            {
                "enrolment": e,
                "id_number": mask_id_number(e.person.id_number),
                "result": result,
                "form": form or (ResultForm(prefix=f"r{e.pk}", result=result) if writable else None),
            }
        )
    complete, lacking = results_complete(training_class)
    return render(
        request,
        "trainees/results/results.html",
        {
            "object": training_class,
            "page": page,
            "rows": rows,
            "writable": writable,
            "operator": operator,
            "can_reveal": may_reveal_for_class(user, training_class),
            "complete": complete,
            "lacking": lacking,
        },
    )


@login_required
def results_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = operator_class_get(class_id=pk, user=user)
    form = UploadForm(request.POST or None, request.FILES or None, kind="results", label="考核结果 (.xlsx)")
    row_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_or_queue(
                actor=user,
                training_class=training_class,
                kind=ImportKind.RESULTS,
                upload=upload,
                filename=upload.name,
            )
            if job is not None:
                return queued_page(request, job)
            counts = results_import(
                actor=user, training_class=training_class, source=upload, filename=upload.name
            )
        except TableErrors as exc:
            row_errors = exc.errors
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, f"导入成功：新增 {counts.created} 条，更新 {counts.updated} 条考核结果")
            return redirect("attendance:results", pk=pk)
    return render(
        request,
        "trainees/results/import.html",
        {
            "object": training_class,
            "form": form,
            "row_errors": row_errors,
            "columns": RESULT_HEADERS,
            "open": training_class.status in OPEN_FOR_RESULTS,
        },
    )


@login_required
@never_cache
def results_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = operator_class_get(class_id=pk, user=user)
    content = results_template(actor=user, training_class=training_class)
    return _download(content, f"考核结果-{training_class.name}-内部资料.xlsx")
