"""Roster pages: the class's roster, enrolling one person, uploading a roster, the template,
withdrawal, the person page and the logged reveal of one person's ID number and phone."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.classes.models import TrainingClass, TrainingType
from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.tabular import TableErrors
from apps.core.views import paginate, sort_by

from ..filters import RosterFilter, ThirdPartyReadFilter
from ..forms.roster import EnrolForm, RevealForm, RosterUploadForm, WithdrawForm
from ..imports.jobs import import_or_queue
from ..imports.roster import parse_roster, roster_columns, roster_template
from ..models import ImportJob, ImportKind, Person
from ..permissions import enrolment_policy, may_enrol, may_reveal_for_class, person_policy
from ..selectors import reads
from ..selectors import roster as selectors
from ..services import persons
from ..services.enrolment import FIELD_LABELS, enrolment_create, enrolment_withdraw, roster_import
from ..services.persons import REVEAL_PURPOSES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_SORTS = {"name": "person__name", "enrolled": "created_at", "status": ("status", "created_at")}


def _enrolling_class(request: HttpRequest, pk: int) -> TrainingClass:
    """A class the user may read (404 otherwise) and enrol in (403 otherwise)."""
    user = signed_in(request)
    training_class = selectors.roster_class_get(class_id=pk, user=user)
    if not may_enrol(user, training_class):
        raise PermissionDenied
    return training_class


def _closed(request: HttpRequest, training_class: TrainingClass) -> HttpResponse | None:
    if selectors.roster_is_open(training_class):
        return None
    messages.error(
        request,
        f"班级状态为“{training_class.get_status_display()}”，花名册只能在审核通过后、结业前登记或变更",
    )
    return redirect("roster:roster", pk=training_class.pk)


@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = selectors.roster_class_get(class_id=pk, user=user)
    filterset = filter_page(RosterFilter, request, selectors.roster_list(training_class=training_class))
    qs, sort = sort_by(request, filterset.narrowed(), ROSTER_SORTS, "enrolled")
    page = paginate(request, qs)
    can_enrol = may_enrol(user, training_class)
    can_reveal = may_reveal_for_class(user, training_class)
    rows = [
        {
            "enrolment": e,
            "shown": selectors.PersonShown(e.person, revealed=False),
            "groups": selectors.group_labels(e.person),
            "relation": selectors.relation_label(e),
        }
        for e in page.object_list
    ]
    return render(
        request,
        "trainees/roster/roster.html",
        {
            "object": training_class,
            "page": page,
            "rows": rows,
            "sort": sort,
            "filter": filterset,
            "counts": selectors.roster_counts(training_class=training_class),
            "open": selectors.roster_is_open(training_class),
            "can_enrol": can_enrol,
            "can_reveal": can_reveal,
            "enterprise": training_class.training_type == TrainingType.ENTERPRISE_STAFF,
        },
    )


@login_required
@sensitive_post_parameters("id_number", "phone")
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = _enrolling_class(request, pk)
    closed = _closed(request, training_class)
    if closed:
        return closed
    enterprise = training_class.training_type == TrainingType.ENTERPRISE_STAFF
    form = EnrolForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = enrolment_create(
                training_class=training_class,
                actor=signed_in(request),
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                household_region=data["household_region"],
                groups=data["groups"],
                relation=data.get("relation", ""),
            )
        except ApplicationError as exc:
            for problem in exc.extra.get("errors") or [exc.as_dict()]:
                field = problem["field"] if problem.get("field") in form.fields else None
                form.add_error(field, problem.get("message") or problem.get("detail"))
        else:
            messages.success(request, f"已登记学员 {enrolment.person.name}")
            for warning in enrolment.warnings:
                messages.warning(request, warning["message"])
            return redirect("roster:roster", pk=training_class.pk)
    return render(request, "trainees/roster/enrol.html", {"object": training_class, "form": form})


@login_required
def roster_upload(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = _enrolling_class(request, pk)
    closed = _closed(request, training_class)
    if closed:
        return closed
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_or_queue(
                actor=signed_in(request),
                training_class=training_class,
                kind=ImportKind.ROSTER,
                upload=upload,
                filename=upload.name,
            )
            if job is not None:
                return queued_page(request, job)
            result = roster_import(
                training_class=training_class,
                actor=signed_in(request),
                roster=parse_roster(upload, training_class=training_class, filename=upload.name),
            )
        except TableErrors as exc:
            row_errors = exc.errors
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            kept = (
                f"；{result.already_enrolled} 人已在本班花名册中，保持不变" if result.already_enrolled else ""
            )
            messages.success(
                request,
                f"导入成功：登记 {result.enrolled} 名学员（新登记 {result.persons_created} 人，"
                f"已在册 {result.persons_reused} 人），其中 {result.with_warnings} 人有提示，请核对{kept}",
            )
            return redirect("roster:roster", pk=training_class.pk)
    return render(
        request,
        "trainees/roster/upload.html",
        {
            "object": training_class,
            "form": form,
            "row_errors": row_errors,
            "columns": [FIELD_LABELS[c] for c in roster_columns(training_class)],
        },
    )


def queued_page(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """A large upload handed to its Celery task: its progress page. The words hold whether the
    task is still queued or (eager Celery, a fast worker) has already ended when the page shows."""
    messages.info(request, f"文件共 {job.rows_total:,} 行，已交由后台导入，本页显示进度和结果。")
    return redirect("roster:import_job", pk=job.pk)


@login_required
def roster_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = _enrolling_class(request, pk)
    response = HttpResponse(roster_template(training_class), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"花名册模板-{training_class.name}.xlsx"
    )
    return response


@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    enrolment = selectors.enrolment_get(enrolment_id=pk, user=user)
    enrolment_policy.check(user, "withdraw", enrolment)
    training_class = enrolment.training_class
    closed = _closed(request, training_class)
    if closed:
        return closed
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_withdraw(enrolment=enrolment, actor=user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, f"{enrolment.person.name} 已退出本班")
            return redirect("roster:roster", pk=training_class.pk)
    return render(
        request,
        "trainees/roster/withdraw.html",
        {
            "object": training_class,
            "enrolment": enrolment,
            "shown": selectors.PersonShown(enrolment.person, revealed=False),
            "form": form,
        },
    )


def _person_page(request: HttpRequest, person: Person, *, revealed: bool, purpose: str = "") -> HttpResponse:
    user = signed_in(request)
    context: dict[str, Any] = {
        "person": person,
        "shown": selectors.PersonShown(person, revealed=revealed),
        "groups": selectors.group_labels(person),
        "enrolments": selectors.person_enrolments(person=person, user=user),
        "can_reveal": person_policy.can(user, "reveal", person),
        "reveal_form": RevealForm(),
        "purpose": purpose,
    }
    return render(request, "trainees/roster/person_detail.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(person_id=pk, user=signed_in(request))
    return _person_page(request, person, revealed=False)


@login_required
@require_POST
@never_cache
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one person's full ID number and phone, once, and log it (PersonalDataView).
    Answered directly (not redirected) so the full values are never in a URL or a session."""
    user = signed_in(request)
    person = selectors.person_get(person_id=pk, user=user)
    person_policy.check(user, "reveal", person)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择查看完整信息的用途")
        return redirect("roster:person_detail", pk=pk)
    purpose = form.cleaned_data["purpose"]
    persons.person_reveal(person=person, viewer=user, purpose=purpose)
    return _person_page(request, person, revealed=True, purpose=REVEAL_PURPOSES[purpose])


@login_required
def third_party_reads(request: HttpRequest) -> HttpResponse:
    """Who of which third-party agency was shown whose full ID number, when and why (R7.1)."""
    user = signed_in(request)
    filterset = filter_page(ThirdPartyReadFilter, request, reads.third_party_reads(user=user))
    page = paginate(request, filterset.narrowed())
    return render(
        request,
        "trainees/third_party_reads.html",
        {
            "page": page,
            "filter": filterset,
            "rows": [(row, selectors.PersonShown(row.person, revealed=False)) for row in page.object_list],
        },
    )
