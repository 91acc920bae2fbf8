from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.core.permissions import signed_in

from . import csp_reports
from .health import broker_status, database_status
from .home import chosen_year, home_context, year_choices, years_with_data
from .pagination import Paginator
from .parsers import UPLOAD_REFUSALS, upload_refusal


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _api_error(detail: str, status: int) -> JsonResponse:
    """The API's error shape for an answer no DRF view gives."""
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a JSON error under /api/ (a client reads JSON), the portal's page elsewhere."""
    if _api(request):
        return _api_error(f"接口不存在：{request.path}", 404)
    return defaults.page_not_found(request, exception or Http404())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (a body over the size limit, a header Django refuses): JSON in the error shape
    under /api/, the portal's page elsewhere. What Django refused in a form or an upload (too
    large, too many fields or files, a multipart part it cannot read, such as a file name of
    thousands of characters) is said in Chinese on both (apps.core.parsers.upload_refusal)."""
    reason = upload_refusal(exception) if isinstance(exception, UPLOAD_REFUSALS) else ""
    if isinstance(exception, RequestDataTooBig) and not (request.content_type or "").startswith("multipart/"):
        # A JSON (or other) body over DATA_UPLOAD_MAX_MEMORY_SIZE: no form field to speak of.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        reason = f"请求无法处理：请求体过大，超过 {limit:,} 字节的上限"
    if _api(request):
        return _api_error(reason or "请求无法处理：请求体过大或请求格式有误", 400)
    # As Django's own bad_request: the template alone, no context processors (the request failed).
    return HttpResponseBadRequest(loader.get_template("400.html").render({"reason": reason}))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: under /api/ the error shape in JSON (nothing of the failure is shown); the
    portal's page elsewhere."""
    if _api(request):
        return _api_error("服务器内部错误，请稍后重试；如持续出现，请联系管理员", 500)
    return defaults.server_error(request)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Up (200) or down (503) for anyone, a load balancer included; which part failed, and how, only
    for the municipal admin (an anonymous caller learns nothing of the database or the broker)."""
    db_ok, db_detail = database_status()
    broker_ok, broker_detail = broker_status()
    healthy = db_ok and broker_ok
    body: dict[str, object] = {"status": "ok" if healthy else "error"}
    user = request.user
    if user.is_authenticated and (user.is_superuser or getattr(user, "role", "") == "municipal_admin"):
        body["database"] = {"ok": db_ok, "detail": db_detail}
        body["broker"] = {"ok": broker_ok, "detail": broker_detail}
    return JsonResponse(body, status=200 if healthy else 503)


csp_logger = logging.getLogger("apps.core.csp")


@csrf_exempt  # browsers send reports without a CSRF token, signed in or not
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """A browser's Content-Security-Policy violation report (the policy's report-uri): logged as a
    warning without personal data (apps.core.csp_reports), answered 204. Over
    CSP_REPORT_MAX_BYTES it is a 413 and over CSP_REPORTS_PER_MINUTE from one address a 429,
    unread either way."""
    if not csp_reports.within_rate(request):
        return HttpResponse(status=429)
    limit = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return HttpResponse(status=413)
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return HttpResponse(status=413)
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        return HttpResponse(status=400)
    for report in csp_reports.violations(payload):
        csp_logger.warning("CSP violation %s", json.dumps(csp_reports.summary(report), ensure_ascii=False))
    return HttpResponse(status=204)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role's home page; its year-bound panels (funds, bases) for ?year=, with a selector."""
    user = signed_in(request)
    today = timezone.localdate().year
    years = years_with_data(user)
    year = chosen_year(request.GET.get("year", ""), years, today)
    context = home_context(user, year)
    context.update(year=year, years=year_choices(years, year, today))
    return render(request, "core/home.html", context)


def date_param(request: HttpRequest, name: str) -> date | None:
    """The query parameter ``name`` as a date (YYYY-MM-DD); None when absent or not a date."""
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


def paginate(request: HttpRequest, queryset: Any, per_page: int | None = None) -> Page:
    """The page of `queryset` asked for by ?page=, clamped to the valid range (see `Paginator`)."""
    paginator = Paginator(queryset, per_page or settings.PAGINATE_BY)
    return paginator.get_page(request.GET.get("page"))


def sort_by(
    request: HttpRequest, queryset: Any, allowed: Mapping[str, str | Sequence[str]], default: str
) -> tuple[Any, str]:
    """Order by ?sort=<key> or ?sort=-<key>, where key is one of `allowed` (key → field or fields),
    ties broken by id in the same direction, so that one index on (field, id) walked either way
    serves the list and its deep pages (apps.core.pagination)."""
    sort = request.GET.get("sort") or default
    key = sort.lstrip("-")
    if key not in allowed:
        sort, key = default, default.lstrip("-")
    prefix = "-" if sort.startswith("-") else ""
    chosen = allowed[key]
    fields = (chosen,) if isinstance(chosen, str) else tuple(chosen)
    return queryset.order_by(*(f"{prefix}{field}" for field in fields), f"{prefix}pk"), sort
