"""Process-supervision pages: the inspections (a district officer's, an inspector's own), the
week's draw with its start form, one inspection with its visit form, photos and findings."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.audits.selectors import finding_rows
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.selectors import state_changes_for
from apps.core.views import paginate

from . import selectors, services
from .filters import InspectionFilter
from .forms import DrawForm, PhotoForm, ReassignForm, VisitForm
from .permissions import inspection_policy


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not inspection_policy.can(user, "list"):
        raise PermissionDenied
    filterset = filter_page(InspectionFilter, request, selectors.inspection_list(user=user))
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "page": paginate(request, filterset.narrowed()),
            "filter": filterset,
            "can_draw": inspection_policy.can(user, "draw"),
        },
    )


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    """The draws, and (officers, the admin) the form that draws a week."""
    user = signed_in(request)
    if not inspection_policy.can(user, "draw") and not user.is_city_wide:
        raise PermissionDenied
    can_draw = inspection_policy.can(user, "draw")
    initial = {
        "week_start": services.next_week(dates.today()),
        "district": getattr(user.district, "code", None),
    }
    form = DrawForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not can_draw:
            raise PermissionDenied
        if form.is_valid():
            try:
                result = services.inspection_draw(
                    district=form.cleaned_data["district"],
                    week_start=form.cleaned_data["week_start"],
                    actor=user,
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(
                    request,
                    f"已抽取 {result.draw.district.name} {result.draw.week_start.isoformat()} 一周的 "
                    f"{len(result.inspections)} 个课次（共 {result.draw.sessions_total} 个）",
                )
                return redirect("inspections:draws")
        status = 400
    page = paginate(request, selectors.draws_for(user=user))
    draws = [
        {
            "draw": d,
            "week_end": d.week_start + timedelta(days=6),
            "drawn": len(d.inputs.get("drawn", [])),
            "reproduced": services.redraw(d.inputs) == d.inputs.get("drawn"),
        }
        for d in page.object_list
    ]
    return render(
        request,
        "inspections/draw_list.html",
        {"form": form, "can_draw": can_draw, "page": page, "draws": draws, "is_admin": user.is_city_wide},
        status=status,
    )


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    inspection = selectors.inspection_get(inspection_id=pk, user=user)
    roster = selectors.roster_for(inspection)
    form = VisitForm(
        request.POST or None,
        roster=[(r["enrolment"], r["name"]) for r in roster],
        day=inspection.session.date,
    )
    status = 200
    if request.method == "POST":
        inspection_policy.check(user, "record", inspection)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.inspection_record(
                    inspection=inspection,
                    actor=user,
                    visited_at=form.visited_at(),
                    head_count=data["head_count"],
                    present=[int(v) for v in data["present"]],
                    absent=[int(v) for v in data["absent"]],
                    remarks=data["remarks"],
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"过程监管检查 #{inspection.pk}：已记录检查结果")
                return redirect("inspections:detail", pk=inspection.pk)
        status = 400
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "roster": roster,
            "form": form,
            "photo_form": PhotoForm(),
            "can_record": inspection_policy.can(user, "record", inspection),
            "can_photo": inspection_policy.can(user, "photo", inspection),
            "reassign_form": ReassignForm(inspectors=selectors.inspectors(inspection))
            if inspection_policy.can(user, "reassign", inspection)
            else None,
            "photos": selectors.inspection_photos(inspection),
            "rows": finding_rows(findings=selectors.inspection_findings(inspection), user=user),
            "changes": state_changes_for(obj=inspection),
        },
        status=status,
    )


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    inspection = selectors.inspection_get(inspection_id=pk, user=user)
    inspection_policy.check(user, "reassign", inspection)
    form = ReassignForm(request.POST, inspectors=selectors.inspectors(inspection))
    if form.is_valid():
        try:
            changed = services.inspection_reassign(
                inspection=inspection,
                actor=user,
                inspector_id=form.cleaned_data["inspector"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"过程监管检查 #{inspection.pk} 已改派给 {changed.inspector}")
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("inspections:detail", pk=inspection.pk)


@login_required
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    inspection = selectors.inspection_get(inspection_id=pk, user=user)
    inspection_policy.check(user, "photo", inspection)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.inspection_photo_upload(
                inspection=inspection, actor=user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已上传检查照片")
    else:
        messages.error(request, "请选择要上传的照片")
    return redirect("inspections:detail", pk=inspection.pk)


@login_required
def photo_file(request: HttpRequest, pk: int) -> FileResponse:
    """Streams a photo to anyone who may see its inspection; 404 for everyone else."""
    photo = selectors.photo_get(photo_id=pk, user=signed_in(request))
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, filename=photo.original_name, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
