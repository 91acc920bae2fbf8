from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.permissions import signed_in

from .health import broker_status, database_status
from .home import chosen_year, home_context, year_choices, years_with_data
from .pagination import Paginator


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
    under /api/, the portal's page elsewhere."""
    if _api(request):
        return _api_error("请求无法处理：请求体过大或请求格式有误", 400)
    return defaults.bad_request(request, exception or Exception())


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
