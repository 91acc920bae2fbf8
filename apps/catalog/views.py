from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from apps import rules
from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.selectors import state_changes_for
from apps.core.tabular import TableErrors
from apps.core.views import paginate, sort_by

from . import engine, selectors, services
from .filters import OccupationFilter, RateRowFilter
from .forms.catalogue import DistrictSettingForm, OccupationImportForm, RateRowForm
from .forms.quote import QuoteForm
from .imports import parse_occupation_rows
from .models import SettingKey
from .permissions import may_edit_district


@login_required
def occupation_list(request: HttpRequest) -> HttpResponse:
    filterset = filter_page(OccupationFilter, request, selectors.occupation_list())
    sorts = {"code": "code", "name": "name", "category": "major_category"}
    qs, sort = sort_by(request, filterset.narrowed(), sorts, "code")
    return render(
        request,
        "catalog/occupation_list.html",
        {"page": paginate(request, qs), "sort": sort, "filter": filterset},
    )


@login_required
def occupation_import(request: HttpRequest) -> HttpResponse:
    if not signed_in(request).is_municipal_admin:
        raise PermissionDenied
    form = OccupationImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.occupations_import(rows=parse_occupation_rows(upload, filename=upload.name))
        except TableErrors as exc:
            row_errors = exc.errors
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, f"导入成功：新增 {result.created} 个，更新 {result.updated} 个职业")
            return redirect("catalog:occupation_list")
    return render(request, "catalog/occupation_import.html", {"form": form, "row_errors": row_errors})


@login_required
def district_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    districts = selectors.districts_with_rates_in_force(user=signed_in(request), on=today)
    return render(request, "catalog/district_list.html", {"districts": districts, "today": today})


@login_required
def rate_table(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    district = selectors.district_get(code=code, user=user)
    filterset = filter_page(RateRowFilter, request, selectors.rate_row_list(user=user, district=district))
    qs, sort = sort_by(
        request,
        filterset.narrowed(),
        {
            "occupation": ("major_category", "occupation__code", "level", "effective_from"),
            "level": ("level", "major_category", "occupation__code"),
            "rate": ("rate", "major_category", "occupation__code"),
            "from": ("effective_from", "major_category", "occupation__code"),
        },
        "occupation",
    )
    return render(
        request,
        "catalog/rate_table.html",
        {
            "district": district,
            "page": paginate(request, qs),
            "sort": sort,
            "filter": filterset,
            "can_edit": may_edit_district(user, district),
        },
    )


@login_required
def rate_row_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    row = selectors.rate_row_get(row_id=pk, user=user)
    return render(
        request,
        "catalog/rate_row_detail.html",
        {
            "row": row,
            "history": state_changes_for(obj=row),
            "can_edit": may_edit_district(user, row.district),
            "explanation": engine.rate_row_explanation(row),
        },
    )


def _save_rate_row(request: HttpRequest, form: RateRowForm, district, row=None):
    data = form.cleaned_data
    return services.rate_row_save(
        actor=signed_in(request),
        district=district,
        occupation=data["occupation"],
        major_category=data["major_category"],
        level=data["level"],
        standard=data["standard"],
        rate=data["rate"],
        class_hours=data["class_hours"],
        online_rate=data["online_rate"],
        effective_from=data["effective_from"],
        effective_to=data["effective_to"],
        row=row,
        reason=data["reason"],
    )


@login_required
def rate_row_create(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    district = selectors.district_get(code=code, user=user)
    if not may_edit_district(user, district):
        raise PermissionDenied
    form = RateRowForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            row = _save_rate_row(request, form, district)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, "补贴标准已保存")
            return redirect("catalog:rate_row_detail", pk=row.pk)
    return render(request, "catalog/rate_row_form.html", {"form": form, "district": district, "row": None})


@login_required
def rate_row_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    row = selectors.rate_row_get(row_id=pk, user=user)
    if not may_edit_district(user, row.district):
        raise PermissionDenied
    initial = {
        "occupation": row.occupation,
        "major_category": row.major_category,
        "level": row.level,
        "standard": row.standard,
        "rate": row.rate,
        "class_hours": row.class_hours,
        "online_rate": row.online_rate,
        "effective_from": row.effective_from,
        "effective_to": row.effective_to,
    }
    form = RateRowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _save_rate_row(request, form, row.district, row=row)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, "补贴标准已修改")
            return redirect("catalog:rate_row_detail", pk=row.pk)
    return render(request, "catalog/rate_row_form.html", {"form": form, "district": row.district, "row": row})


@login_required
def district_settings(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    district = selectors.district_get(code=code, user=user)
    can_edit = may_edit_district(user, district)
    form = DistrictSettingForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.district_setting_set(actor=user, district=district, **form.cleaned_data)
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, "设置已保存")
                return redirect("catalog:district_settings", code=district.code)
    today = timezone.localdate()
    in_force = engine.settings_table(district=district, on=today)
    return render(
        request,
        "catalog/district_settings.html",
        {
            "district": district,
            "in_force": in_force,
            "history": selectors.district_setting_list(user=user, district=district),
            "form": form if can_edit else None,
            "today": today,
            "keys": SettingKey,
        },
    )


def _quote_settings(district, scenario):
    """The district's settings in force on the class's approval (or start) date, or the defaults."""
    if district is None:
        return None
    day = scenario.approved_on or scenario.start or timezone.localdate()
    return engine.district_settings_for(district=district, on=day)


@login_required
def rules_markdown(request: HttpRequest) -> HttpResponse:
    """docs/rules.md as the engine writes it: every rule, dated parameter and a worked quote per kind."""
    return HttpResponse(
        rules.rules_markdown(),
        content_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="rules.md"'},
    )


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    """Every rule with the notice text it comes from, our reading and its severity; the
    parameters in force today; and the quote form (the JSON contract as a Chinese form)."""
    form = QuoteForm(request.POST or None)
    result = None
    contract = None
    if request.method == "POST" and form.is_valid():
        try:
            contract = form.contract()
            scenario = rules.parse_scenario(contract)
            result = rules.quote(scenario, _quote_settings(form.cleaned_data["district"], scenario))
        except forms.ValidationError as exc:
            form.add_error(None, exc)
        except rules.ScenarioError as exc:
            form.add_error(form.form_field_for(exc.field), exc.message)
    today = timezone.localdate()
    return render(
        request,
        "catalog/rules.html",
        {
            "groups": engine.rule_groups(),
            "parameters": rules.parameters_in_force(today),
            "today": today,
            "rules_version": rules.RULES_VERSION,
            "form": form,
            "result": result,
            "contract_json": json.dumps(contract, ensure_ascii=False, indent=2) if contract else "",
        },
        status=400 if request.method == "POST" and result is None else 200,
    )
