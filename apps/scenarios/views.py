"""Scenarios: the list with the draft form, a scenario's progress and results, its Excel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.masking import mask_name
from apps.core.permissions import signed_in
from apps.core.views import paginate
from apps.exports.workbooks.writer import Column, Workbook, workbook_bytes

from . import engine, selectors, services
from .forms import AdoptForm, DecideForm, ScenarioForm
from .permissions import scenario_policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUPS = {
    "kind": "补贴类型",
    "occupation": "职业（工种）",
    "level": "等级",
    "claimant": "申领单位",
    "district": "区县",
}


@login_required
@require_http_methods(["GET", "POST"])
def scenario_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not scenario_policy.can(user, "list"):
        raise PermissionDenied
    form = (
        ScenarioForm(
            request.POST or None,
            districts=selectors.draft_districts(user=user),
            city=scenario_policy.city_wide(user),
        )
        if scenario_policy.may_draft(user)
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                scenario = services.scenario_create(
                    actor=user,
                    name=data["name"],
                    district=data["district"],
                    year=data["year"],
                    changes=form.changes(),
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"已提交推演 #{scenario.pk}，正在后台推演")
                return redirect("scenarios:detail", pk=scenario.pk)
    return render(
        request,
        "scenarios/list.html",
        {"page": paginate(request, selectors.scenario_list(user=user)), "form": form},
    )


def _groups(results: dict) -> list[dict]:
    out = []
    for key, label in GROUPS.items():
        rows = [
            {"key": k, "before": Decimal(b), "after": Decimal(a), "diff": Decimal(a) - Decimal(b)}
            for k, b, a in results.get(key, [])
        ]
        largest = max([max(r["before"], r["after"]) for r in rows] or [Decimal(1)]) or Decimal(1)
        for r in rows:
            r["bar_before"] = int(r["before"] * 200 / largest)
            r["bar_after"] = int(r["after"] * 200 / largest)
        out.append({"key": key, "label": label, "rows": rows[:30], "more": max(len(rows) - 30, 0)})
    return out


def _adoptions(user: Any, scenario: Any) -> list[dict[str, Any]]:
    return [
        {
            "adoption": adoption,
            "items": [
                item
                | {
                    "before_text": services.item_text(item, "before"),
                    "after_text": services.item_text(item, "after"),
                }
                for item in adoption.items
            ],
            "may_decide": adoption.status == "pending" and services.may_decide(user, adoption),
        }
        for adoption in selectors.adoptions(scenario)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The scenario's figures; once finished, the form to adopt it and its adoptions, each with
    the form to approve or return it for those who may."""
    user = signed_in(request)
    scenario = selectors.scenario_get(user=user, pk=pk)
    may_adopt = scenario.status == "finished" and scenario_policy.can(user, "create", scenario.district)
    adopt_form = AdoptForm(request.POST if "adopt" in request.POST else None) if may_adopt else None
    decide_form = DecideForm(request.POST if "decide" in request.POST else None)
    if request.method == "POST":
        if "adopt" in request.POST:
            if adopt_form is None:
                raise PermissionDenied
            if adopt_form.is_valid():
                try:
                    adoption = services.adoption_propose(
                        actor=user,
                        scenario=scenario,
                        effective_from=adopt_form.cleaned_data["effective_from"],
                        reason=adopt_form.cleaned_data["reason"],
                    )
                except ApplicationError as exc:
                    exc.add_to_form(adopt_form)
                else:
                    messages.success(request, f"已提交采纳方案 #{adoption.pk}，待审核后生效")
                    return redirect(
                        reverse("scenarios:detail", args=[scenario.pk]) + f"#adoption-{adoption.pk}"
                    )
        elif "decide" in request.POST:
            adoption = get_object_or_404(scenario.adoptions, pk=request.POST.get("adoption") or 0)
            if decide_form.is_valid():
                approve = request.POST["decide"] == "approve"
                try:
                    services.adoption_decide(
                        actor=user,
                        adoption=adoption,
                        approve=approve,
                        reason=decide_form.cleaned_data["reason"],
                    )
                except ApplicationError as exc:
                    exc.add_to_form(decide_form)
                else:
                    messages.success(
                        request, "采纳方案已审核通过，参数变化已生效" if approve else "采纳方案已退回"
                    )
                    return redirect(
                        reverse("scenarios:detail", args=[scenario.pk]) + f"#adoption-{adoption.pk}"
                    )
        else:
            raise PermissionDenied
    page = paginate(request, selectors.changed_lines(scenario))
    for row in page.object_list:
        row.masked = mask_name(row.line.person.name)
    selectors.explain_rows(scenario, page.object_list)
    adoptions = _adoptions(user, scenario)
    return render(
        request,
        "scenarios/detail.html",
        {
            "scenario": scenario,
            "changes": [engine.describe(c) for c in scenario.changes],
            "groups": _groups(scenario.results),
            "budget": scenario.results.get("budget", []),
            "page": page,
            "adopt_form": adopt_form
            if adopt_form is not None
            and (adopt_form.is_bound or not any(a["adoption"].status == "pending" for a in adoptions))
            else None,
            "adoptions": adoptions,
            "decide_form": decide_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET"])
def scenario_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    scenario = selectors.scenario_get(user=user, pk=pk)

    def build(book: Workbook) -> None:
        summary = book.sheet("汇总", [Column("", 30), *(Column("", 16) for _ in range(4))])
        summary.title(f"测算推演 #{scenario.pk} {scenario.name}（{scenario.year} 年度）")
        summary.line("参数变化", "；".join(engine.describe(c) for c in scenario.changes))
        summary.line("推演前合计", scenario.before_total, "推演后合计", scenario.after_total)
        summary.blank()
        summary.header("对照年度专账资金额度", "额度（元）", "推演前（元）", "推演后（元）", "超出额度（元）")
        for budget in scenario.results.get("budget", []):
            rows = [(budget["district"], budget), *((f"　{s['share']}", s) for s in budget.get("shares", []))]
            for label, row in rows:
                summary.line(label, *(Decimal(row[k]) for k in ("allocation", "before", "after", "over")))
        for key, label in GROUPS.items():
            summary.blank()
            summary.header(label, "推演前（元）", "推演后（元）", "差额（元）")
            for k, b, a in scenario.results.get(key, []):
                summary.line(k, Decimal(b), Decimal(a), Decimal(a) - Decimal(b))
        lines = book.table(
            "金额变化的明细",
            [
                Column("申领", 10, "int"),
                Column("明细", 10, "int"),
                Column("学员", 10),
                Column("推演前（元）", 14, "yuan"),
                Column("推演后（元）", 14, "yuan"),
                Column("差额（元）", 14, "yuan"),
            ],
        )
        lines.extend(
            (
                changed.line.claim_id,
                changed.line_id,
                mask_name(changed.line.person.name),
                changed.before,
                changed.after,
                changed.after - changed.before,
            )
            for changed in selectors.changed_lines(scenario).iterator()
        )

    response = HttpResponse(workbook_bytes(build), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="scenario-{scenario.pk}.xlsx"'
    return response
