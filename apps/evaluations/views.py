"""The agencies' scorecards: the quarter's list (and its Excel), one agency's scorecard with its
last four quarters as a chart, its evaluations and the form to record one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.permissions import signed_in
from apps.exports.workbooks.writer import Column, Workbook, workbook_bytes
from apps.institutions.permissions import agency_policy, institution_policy
from apps.institutions.selectors import institution_get, institution_years
from apps.institutions.services import institution_plan_set

from . import selectors, services
from .forms import EvaluationForm, PlanForm
from .permissions import evaluation_policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "第三方社会机构",
    "统一社会信用代码",
    "状态",
    "审核意见（条）",
    "审核时长中位数（小时）",
    "已审核的意见（条）",
    "与审核结论一致（条）",
    "一致率（%）",
    "建议通过但有已确认疑点（条）",
    "过程监管检查（次）",
    "已到期（次）",
    "按时检查（次）",
    "按时率（%）",
]


def _quarter(request: HttpRequest) -> selectors.Quarter:
    return selectors.Quarter.parse(request.GET.get("quarter"), dates.today())


def _rows(request: HttpRequest) -> tuple[selectors.Quarter, list[tuple[Any, selectors.Scorecard]]]:
    user = signed_in(request)
    evaluation_policy.check(user, "list")
    quarter = _quarter(request)
    districts = evaluation_policy.districts(user)
    agencies = list(selectors.agencies(districts=districts))
    cards = selectors.scorecards(quarter=quarter, districts=districts, agency_ids=[a.pk for a in agencies])
    return quarter, [(agency, cards[agency.pk]) for agency in agencies]


def _quarters(current: selectors.Quarter) -> list[selectors.Quarter]:
    out = [selectors.Quarter.of(dates.today())]
    while len(out) < 8:
        out.append(out[-1].previous)
    return out if current in out else [current, *out]


@login_required
@require_http_methods(["GET"])
def scorecard_list(request: HttpRequest) -> HttpResponse:
    quarter, rows = _rows(request)
    return render(
        request,
        "evaluations/list.html",
        {"quarter": quarter, "rows": rows, "quarters": _quarters(quarter)},
    )


@login_required
@require_http_methods(["GET"])
def scorecard_export(request: HttpRequest) -> HttpResponse:
    quarter, rows = _rows(request)

    def build(book: Workbook) -> None:
        sheet = book.sheet(quarter.key, [Column("", 30), *(Column("", 14) for _ in HEADERS[1:])])
        sheet.title(f"第三方社会机构考评指标 {quarter.label}")
        sheet.header(*HEADERS)
        for agency, card in rows:
            sheet.line(
                agency.name,
                agency.uscc,
                str(agency.get_status_display()),
                card.recommendations,
                card.median_hours,
                card.decided,
                card.agreed,
                card.agreement,
                card.contradicted,
                card.inspections,
                card.due,
                card.on_time,
                card.on_time_share,
            )

    return _xlsx(workbook_bytes(build), f"agency-scorecards-{quarter.key}.xlsx")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _chart(history: list[tuple[selectors.Quarter, selectors.Scorecard]]) -> list[dict[str, Any]]:
    """Bars of the agreement and on-time shares per quarter, as SVG geometry (no script)."""
    bars = []
    for n, (quarter, card) in enumerate(history):
        for k, (name, value) in enumerate((("一致率", card.agreement), ("按时率", card.on_time_share))):
            height = int(value * 120 / 100) if value is not None else 0
            bars.append(
                {
                    "x": 40 + n * 90 + k * 32,
                    "y": 140 - height,
                    "height": height,
                    "kind": k,
                    "name": name,
                    "value": value,
                    "quarter": quarter,
                    "label_x": 40 + n * 90 + 30,
                }
            )
    return bars


@login_required
@require_http_methods(["GET", "POST"])
def agency_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    evaluation_policy.check(user, "view")
    districts = evaluation_policy.districts(user)
    agency = get_object_or_404(selectors.agencies(districts=districts), pk=pk)
    quarter = _quarter(request)
    may_evaluate = evaluation_policy.can(user, "evaluate", agency)
    form = EvaluationForm(request.POST or None) if may_evaluate else None
    if request.method == "POST":
        evaluation_policy.check(user, "evaluate", agency)
        assert form is not None
        if form.is_valid():
            try:
                services.evaluation_record(
                    actor=user,
                    agency=agency,
                    quarter=quarter,
                    grade=form.cleaned_data["grade"],
                    comment=form.cleaned_data["comment"],
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"已记录{agency.name}{quarter.label}的考评")
                return redirect(reverse("evaluations:detail", args=[agency.pk]) + f"?quarter={quarter.key}")
    history = selectors.history(agency_id=agency.pk, quarter=quarter, districts=districts)
    return render(
        request,
        "evaluations/detail.html",
        {
            "agency": agency,
            "quarter": quarter,
            "quarters": _quarters(quarter),
            "card": history[-1][1],
            "history": history,
            "bars": _chart(history),
            "evaluations": selectors.evaluations(agency=agency, districts=districts),
            "form": form,
            "can_blacklist": agency_policy.can(user, "blacklist", agency) and agency.status != "blacklisted",
        },
    )


# 综合评估 of training institutions ------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2021 <= int(raw) <= 2100 else dates.today().year


def _scores(request: HttpRequest, **more: Any) -> tuple[int, list[selectors.InstitutionScore]]:
    user = signed_in(request)
    evaluation_policy.check(user, "list")
    year = _year(request)
    return year, selectors.institution_scores(year=year, districts=evaluation_policy.districts(user), **more)


@login_required
@require_http_methods(["GET"])
def institution_ranking(request: HttpRequest) -> HttpResponse:
    year, scores = _scores(request)
    return render(
        request,
        "evaluations/institutions.html",
        {
            "year": year,
            "scores": scores,
            "criteria": selectors.CRITERIA,
            "grades": selectors.GRADES,
            "weights": selectors.weights_used(scores),
            "weights_day": selectors.weights_day(year),
        },
    )


@login_required
@require_http_methods(["GET"])
def institution_export(request: HttpRequest) -> HttpResponse:
    year, scores = _scores(request)
    head = [
        "排名",
        "培训机构",
        "区县",
        *(part for _, label, _ in selectors.CRITERIA for part in (f"{label} 得分", f"{label} 权重")),
        f"权重来源（{selectors.weights_day(year).isoformat()} 在用）",
        "计算总分",
        "计算等次",
        "人工覆盖得分",
        "覆盖等次",
        "覆盖人",
        "覆盖时间",
        "覆盖原因",
        "采用的等次（排名、培训计划建议）",
    ]

    def build(book: Workbook) -> None:
        sheet = book.sheet(
            str(year),
            [
                Column("", 6),
                Column("", 30),
                Column("", 12),
                *(Column("", 12) for _ in selectors.CRITERIA for _ in range(2)),
                Column("", 40),
                Column("", 10),
                Column("", 10),
                Column("", 12),
                Column("", 10),
                Column("", 12),
                Column("", 18),
                Column("", 40),
                Column("", 14),
            ],
        )
        sheet.title(f"培训机构综合评估 {year} 年度")
        sheet.header(*head)
        for n, score in enumerate(scores, start=1):
            override = score.override
            sheet.line(
                n,
                score.name,
                score.district,
                *(value for c in score.criteria for value in (c.score, c.weight)),
                "；".join(f"{c.label} {c.weight_source}" for c in score.criteria),
                score.total,
                score.grade,
                override.score if override else None,
                score.override_grade or "",
                override.by if override else "",
                timezone.localtime(override.at).strftime("%Y-%m-%d %H:%M")
                if override and override.at
                else "",
                override.reason if override else "",
                score.effective_grade,
            )

    return _xlsx(workbook_bytes(build), f"institution-evaluation-{year}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def institution_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    evaluation_policy.check(user, "view")
    year = _year(request)
    districts = evaluation_policy.districts(user)
    trend = [
        (y, next(iter(selectors.institution_scores(year=y, districts=districts, institution_ids=[pk])), None))
        for y in (year - 2, year - 1, year)
    ]
    current = trend[-1][1]
    if current is None and not any(score for _, score in trend):
        raise Http404("该机构在这几年没有可评估的数据，或不在您的范围内")
    institution = institution_get(institution_id=pk, user=user)
    plans = {row.year: row.plan_quota for row in institution_years(institution=institution)}
    proposal = selectors.plan_proposal(current, plans.get(year)) if current else None
    form = None
    if current is not None and proposal and institution_policy.can(user, "recognise", institution):
        form = PlanForm(request.POST or None, initial={"plan_quota": proposal[0]})
        if request.method == "POST" and form.is_valid():
            try:
                institution_plan_set(
                    institution=institution,
                    actor=user,
                    year=year + 1,
                    plan_quota=form.cleaned_data["plan_quota"],
                    reason=f"按 {year} 年度综合评估（{current.summary}；"
                    f"建议 {proposal[1]}）确定 {year + 1} 年度培训计划：{form.cleaned_data['reason']}",
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(
                    request,
                    f"已确定{institution.name} {year + 1} 年度培训计划 "
                    f"{form.cleaned_data['plan_quota']} 人次",
                )
                return redirect(reverse("evaluations:institution", args=[pk]) + f"?year={year}")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "evaluations/institution.html",
        {
            "year": year,
            "score": current,
            "weights_day": selectors.weights_day(year),
            "trend": trend,
            "name": next(s.name for _, s in trend if s),
            "proposal": proposal,
            "next_plan": plans.get(year + 1),
            "form": form,
        },
    )
