"""The roster imports: the list, and the upload form of a district's officer (or the admin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.permissions import signed_in
from apps.core.tabular import TableErrors
from apps.core.views import paginate

from . import selectors, services
from .forms import RosterForm
from .permissions import roster_policy


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not roster_policy.can(user, "list"):
        raise PermissionDenied
    may_import = roster_policy.can(user, "import")
    form = (
        RosterForm(
            request.POST or None, request.FILES or None, districts=selectors.import_districts(user=user)
        )
        if may_import
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        row_errors = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = services.roster_parse(upload, filename=upload.name or "")
                batch = services.roster_import(
                    actor=user, district=form.cleaned_data["district"], rows=rows, file_name=upload.name or ""
                )
            except TableErrors as exc:
                row_errors = exc.errors
                form.add_error(None, exc.message)
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                found = batch.run.findings_count if batch.run else 0
                messages.success(
                    request,
                    f"已导入 {batch.district.name} 社保参保名单 {batch.rows} 行（新增 {batch.added} 条），"
                    f"核验企业申领：新增疑点 {found} 条 (A9)",
                )
                return redirect("insurance:imports")
        return render(
            request,
            "insurance/imports.html",
            {
                "page": paginate(request, selectors.import_list(user=user)),
                "form": form,
                "row_errors": row_errors,
            },
        )
    return render(
        request,
        "insurance/imports.html",
        {"page": paginate(request, selectors.import_list(user=user)), "form": form, "row_errors": []},
    )
