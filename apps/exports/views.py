"""Export pages: choose what to export and filter it; a small export downloads at once, a large
one shows its progress (the page refreshes itself) and then its download link until it expires;
the municipal admin reads the log of every export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.views import paginate, sort_by

from . import services
from .filters import ExportLogFilter
from .forms import FORMS
from .models import ExportJob, ExportKind, ExportStatus
from .permissions import export_policy
from .selectors import export_job_get, export_jobs, export_log

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFRESH_SECONDS = 3  # how often the page of an export in progress reloads itself
KIND_HELP: dict[str, str] = {
    ExportKind.LEDGER: (
        "专账资金台账的每一笔记账和冲销，按区县、年度、类型、资金类别、申领状态和记账日期筛选；"
        "附汇总表，与专账资金台账逐区县、逐年度、逐资金类别核对 (R8.5)。"
    ),
    ExportKind.CLAIM_LINES: "每条申领明细及其计算步骤、校验结果、审核结论、台账净额和拨付金额；附汇总表。",
    ExportKind.AUDIT_FINDINGS: (
        "批量稽核的当前疑点及其规则、说明、关联申领、处理状态和意见；附汇总表，疑点涉及明细与台账核对。"
    ),
    ExportKind.FUND_SUMMARY: (
        "一个区县一个年度的专账资金额度、记账、拨付、剩余，申领按状态汇总，以及对账差异。"
    ),
}


def _check_exporter(request: HttpRequest) -> None:
    if not export_policy.can(signed_in(request), "add"):
        raise PermissionDenied


def download_response(job: ExportJob) -> FileResponse:
    """The workbook as an attachment; 404 once the link has expired or if there is no file."""
    if not job.is_downloadable:
        raise Http404("下载链接已过期或文件不存在")
    try:
        handle = services.export_open(job=job)
    except FileNotFoundError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=XLSX)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def export_index(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    _check_exporter(request)
    return render(
        request,
        "exports/index.html",
        {
            "kinds": [(value, label, KIND_HELP[value]) for value, label in ExportKind.choices],
            "page": paginate(request, export_jobs(user=user)),
            "can_view_log": export_policy.can(user, "view_log"),
        },
    )


@login_required
def export_new(request: HttpRequest, kind: str) -> HttpResponseBase:
    _check_exporter(request)
    if kind not in ExportKind.values:
        raise Http404("没有这种导出")
    user = signed_in(request)
    # An empty POST is a valid ledger filter: everything in the user's scope.
    form = FORMS[kind](request.POST if request.method == "POST" else None, user=user, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.export_request(actor=user, kind=kind, filters=form.export_filter())
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            if job.status == ExportStatus.FINISHED:
                return download_response(job)
            if job.status == ExportStatus.FAILED:
                messages.error(request, job.error)
            else:
                messages.info(
                    request,
                    f"共 {job.total_rows} 行，正在后台生成。可以离开本页，稍后在“数据导出”中查看进度并下载。",
                )
            return redirect("exports:detail", pk=job.pk)
    return render(
        request,
        "exports/new.html",
        {"form": form, "kind": kind, "label": ExportKind(kind).label, "help": KIND_HELP[kind]},
    )


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_job_get(user=signed_in(request), job_id=pk)
    response = render(request, "exports/detail.html", {"job": job, "refresh": REFRESH_SECONDS})
    if job.in_progress:
        # The Refresh header reloads the page in every browser, with or without JavaScript.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    return download_response(export_job_get(user=signed_in(request), job_id=pk))


@login_required
def export_log_page(request: HttpRequest) -> HttpResponse:
    filterset = filter_page(ExportLogFilter, request, export_log(user=signed_in(request)))
    qs, sort = sort_by(request, filterset.narrowed(), {"at": "created_at", "rows": "row_count"}, "-at")
    return render(
        request, "exports/log.html", {"page": paginate(request, qs), "sort": sort, "filter": filterset}
    )
