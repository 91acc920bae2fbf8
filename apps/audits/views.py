"""Audit pages: the runs with the start button, a run's progress and findings, the current
findings, one finding with its decision, a claim's findings and the audit rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.catalog.models import District
from apps.claims.selectors import claim_get
from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.selectors import state_changes_for
from apps.core.views import paginate, sort_by

from . import selectors, services
from .engine import catalogue
from .extensions.claim_page import claim_page_section
from .filters import FindingFilter, RunFilter
from .forms import ResolveForm, StartForm
from .models import ACTIVE_STATUSES, Change, FindingStatus, Scope
from .permissions import audit_finding_policy, audit_run_policy

if TYPE_CHECKING:
    from apps.core.permissions import Actor

# How often a page showing a run in progress reloads itself when the browser runs no JavaScript.
REFRESH_SECONDS = 3


def _require_audit_pages(user: Actor) -> None:
    if not audit_run_policy.can(user, "list"):
        raise PermissionDenied


def _start_target(request: HttpRequest, form: StartForm) -> dict[str, Any]:
    """The run to start, from the form: an officer's own district unless they chose a claim."""
    user = signed_in(request)
    data = form.cleaned_data
    target: dict[str, Any] = {"scope": data["scope"], "district": data["district"], "claim": None}
    if data["scope"] == Scope.CLAIM and data["claim"]:
        # The claim as the user may see it: one outside their scope is "not found", like any other.
        target["claim"] = claim_get(claim_id=data["claim"], user=user)
    if data["scope"] == Scope.DISTRICT and data["district"] is None and user.district_id:
        target["district"] = District.objects.get(pk=user.district_id)
    return target


def _finding_page(request: HttpRequest, findings: Any, *, of_run: bool = False) -> dict[str, Any]:
    filterset = FindingFilter(request.GET, findings, request=request, of_run=of_run)
    qs, sort = sort_by(request, filterset.narrowed(), selectors.FINDING_SORTS, "rule")
    page = paginate(request, qs)
    rows = selectors.finding_rows(findings=list(page.object_list), user=signed_in(request))
    return {"page": page, "rows": rows, "sort": sort, "filter": filterset}


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    _require_audit_pages(user)
    form = StartForm(request.POST or None, initial={"scope": Scope.DISTRICT})
    status = 200
    if request.method == "POST":
        if not audit_run_policy.can(user, "start"):
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.audit_run_start(actor=user, **_start_target(request, form))
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(
                    request, f"已发起批量稽核 #{run.pk}（{run.scope_label}），可以离开本页，稍后回来查看"
                )
                return redirect("audits:run", pk=run.pk)
        status = 400
    filterset = filter_page(RunFilter, request, selectors.run_list(user=user))
    page = paginate(request, filterset.narrowed())
    return render(
        request,
        "audits/run_list.html",
        {
            "page": page,
            "form": form,
            "filter": filterset,
            "can_start": audit_run_policy.can(user, "start"),
            "is_admin": user.is_municipal_admin,
            "progress": {
                run.pk: selectors.run_progress(run)
                for run in page.object_list
                if run.status in ACTIVE_STATUSES
            },
        },
        status=status,
    )


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    run = selectors.run_get(run_id=pk, user=user)
    findings = selectors.finding_list(user=user, run=run)
    return render(
        request,
        "audits/run_detail.html",
        {
            "run": run,
            "progress": selectors.run_progress(run),
            "active": run.status in ACTIVE_STATUSES,
            "refresh": REFRESH_SECONDS,
            **_finding_page(request, findings, of_run=True),
        },
    )


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    _require_audit_pages(user)
    findings = selectors.finding_list(user=user)
    return render(request, "audits/finding_list.html", _finding_page(request, findings))


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    finding = selectors.finding_get(finding_id=pk, user=user)
    form = ResolveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not audit_finding_policy.can(user, "resolve", finding):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.audit_finding_resolve(
                    finding=finding, actor=user, to=data["to"], reason=data["reason"]
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"稽核疑点 #{finding.pk}：{FindingStatus(data['to']).label}")
                return redirect("audits:finding", pk=finding.pk)
        status = 400
    (row,) = selectors.finding_rows(findings=[finding], user=user)
    return render(
        request,
        "audits/finding_detail.html",
        {
            "row": row,
            "finding": finding,
            "form": form,
            "can_resolve": audit_finding_policy.can(user, "resolve", finding)
            and finding.change != Change.CLEARED,
            "history": state_changes_for(obj=finding),
        },
        status=status,
    )


@login_required
def claim_findings(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in(request)
    _require_audit_pages(user)
    claim = claim_get(claim_id=claim_id, user=user)
    return render(request, "audits/claim_findings.html", claim_page_section(user, claim, limit=None))


@login_required
@require_POST
def claim_audit_start(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in(request)
    claim = claim_get(claim_id=claim_id, user=user)
    if not audit_run_policy.may_start(user, scope=Scope.CLAIM, claim=claim):
        raise PermissionDenied
    try:
        run = services.audit_run_start(actor=user, scope=Scope.CLAIM, claim=claim)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("audits:claim", claim_id=claim.pk)
    messages.success(request, f"已发起对申领 #{claim.pk} 的批量稽核 #{run.pk}")
    return redirect("audits:run", pk=run.pk)


def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "audits/rules.html", {"rules": catalogue.RULES})
