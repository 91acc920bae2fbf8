"""Public notice pages (no login: the list, a notice with its masked lines, the objection form)
and the officers' pages (publish, the objections and their answers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.throttling import throttle_pages
from apps.core.views import paginate

from . import selectors, services
from .filters import NoticeFilter, ObjectionFilter
from .forms import AnswerForm, ObjectionForm, PublishForm
from .permissions import may_publish_in, notice_policy, objection_policy, office_districts

DONE_KEY = "publicity_objection_number"


# Public pages -----------------------------------------------------------------------------------


@throttle_pages("publicity")
@require_http_methods(["GET"])
def notice_list(request: HttpRequest) -> HttpResponse:
    filterset = filter_page(NoticeFilter, request, selectors.notice_list())
    return render(
        request,
        "publicity/notice_list.html",
        {"page": paginate(request, filterset.narrowed()), "filter": filterset},
    )


@throttle_pages("publicity")
@require_http_methods(["GET"])
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(pk=pk)
    return render(
        request,
        "publicity/notice_detail.html",
        {
            "notice": notice,
            "page": paginate(request, selectors.notice_lines(notice=notice)),
            "running": selectors.notice_running(notice),
        },
    )


@throttle_pages("publicity-objection")
@require_http_methods(["GET", "POST"])
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(pk=pk)
    running = selectors.notice_running(notice)
    lines = list(selectors.notice_lines(notice=notice)) if running else []
    initial = {"line": request.GET.get("line", "")}
    form = ObjectionForm(request.POST or None, lines=lines, initial=initial)
    if request.method == "POST" and running and form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.objection_file(
                notice=notice,
                line_id=data["line"],
                name=data["name"],
                contact=data["contact"],
                text=data["text"],
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            request.session[DONE_KEY] = objection.number
            return redirect("publicity:objection_done", pk=notice.pk)
    return render(
        request, "publicity/objection_form.html", {"notice": notice, "form": form, "running": running}
    )


@throttle_pages("publicity")
@require_http_methods(["GET"])
def objection_done(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(pk=pk)
    number = request.session.pop(DONE_KEY, None)
    if number is None:
        return redirect("publicity:notice", pk=notice.pk)
    return render(request, "publicity/objection_done.html", {"notice": notice, "number": number})


# Officers' pages --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def office(request: HttpRequest) -> HttpResponse:
    """The notices of the user's districts, with what waits for an answer."""
    user = signed_in(request)
    if not notice_policy.can(user, "office"):
        raise PermissionDenied
    notices = selectors.notice_list().filter(district__in=office_districts(user))
    return render(
        request,
        "publicity/office.html",
        {
            "page": paginate(request, notices),
            "can_publish": notice_policy.can(user, "publish"),
            "counts": selectors.objection_counts(user=user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_publish(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not notice_policy.can(user, "publish"):
        raise PermissionDenied
    district = user.district
    if district is None or not may_publish_in(user, district):
        raise PermissionDenied
    claims = selectors.publishable_claims(district=district)
    form = PublishForm(request.POST or None, claims=claims)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_publish(
                actor=user,
                district=district,
                claim_ids=None if data["everything"] else [claim.pk for claim in data["claims"]],
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, f"已发布{notice.title}，公示期至 {notice.ends_on.isoformat()}")
            return redirect("publicity:notice", pk=notice.pk)
    return render(
        request, "publicity/publish.html", {"form": form, "district": district, "has_claims": claims.exists()}
    )


@login_required
@require_http_methods(["GET"])
def objection_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not objection_policy.can(user, "list"):
        raise PermissionDenied
    filterset = filter_page(ObjectionFilter, request, selectors.objection_list(user=user))
    return render(
        request,
        "publicity/objection_list.html",
        {"page": paginate(request, filterset.narrowed()), "filter": filterset},
    )


@login_required
@require_http_methods(["GET", "POST"])
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    objection = objection_policy.get_visible(user, selectors.objection_list(user=user), pk=pk)
    can_answer = objection_policy.can(user, "answer", objection) and objection.status == "open"
    form = AnswerForm(request.POST or None) if can_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.objection_answer(
                    actor=user,
                    objection=objection,
                    upheld=form.cleaned_data["verdict"] == "upheld",
                    answer=form.cleaned_data["answer"],
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"异议 {objection.number} 已处理")
                return redirect("publicity:objection", pk=objection.pk)
    return render(request, "publicity/objection_detail.html", {"objection": objection, "form": form})
