"""The district's review from the claim page: a move along the lifecycle, a quote again, a
decision on a line or on the rest in bulk, and the third party's recommendation (R7.1)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import signed_in

from .. import selectors
from ..forms import LineDecisionForm, LineRecommendForm, RecommendForm, TransitionForm
from ..models import ClaimLine, LineDecision
from ..permissions import ACTIONS, claim_policy
from ..services import lifecycle, recompute, review
from .claims import claim_url


@login_required
@require_POST
def claim_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    claim = selectors.claim_get(claim_id=pk, user=user)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请勾选确认后再执行操作")
        return redirect("claims:detail", pk=pk)
    to = form.cleaned_data["to"]
    if to not in ACTIONS:
        raise PermissionDenied
    claim_policy.check(user, ACTIONS[to], claim)
    current = claim.status
    try:
        lifecycle.claim_transition(claim=claim, actor=user, to=to, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已{lifecycle.TRANSITIONS[(current, to)].label}")
    return redirect("claims:detail", pk=pk)


@login_required
@require_POST
def claim_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
    try:
        recompute.claim_recompute(claim=claim)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已按当前数据重新测算每条明细")
    return redirect("claims:detail", pk=pk)


def _at_line(claim: Any, line: ClaimLine) -> str:
    """The claim page at the line's row, on the page of lines that shows it."""
    page = selectors.claim_line_page_of(claim=claim, line_id=line.pk)
    return (
        f"{claim_url(claim.pk)}?page={page}#line-{line.pk}"
        if page > 1
        else f"{claim_url(claim.pk)}#line-{line.pk}"
    )


@login_required
@require_POST
def line_decide(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="review")
    try:
        line = claim.lines.get(pk=line_pk)
    except ClaimLine.DoesNotExist as exc:
        raise Http404("申领明细不存在") from exc
    form = LineDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"明细 #{line.pk}（{line.person.name}）：{error}")
        return redirect(_at_line(claim, line))
    data = form.cleaned_data
    try:
        review.claim_line_decide(
            line=line,
            actor=signed_in(request),
            decision=data["decision"],
            rule=data["rule"],
            reason=data["reason"],
        )
    except ApplicationError as exc:
        messages.error(request, f"明细 #{line.pk}（{line.person.name}）：{exc}")
    else:
        label = LineDecision(data["decision"]).label
        messages.success(request, f"明细 #{line.pk}（{line.person.name}）：{label}")
    return redirect(_at_line(claim, line))


@login_required
@require_POST
def lines_approve_pending(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="review")
    if not request.POST.get("confirm"):
        messages.error(request, "请勾选确认后再执行操作")
        return redirect("claims:detail", pk=pk)
    try:
        outcome = review.claim_lines_approve_pending(claim=claim, actor=signed_in(request))
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("claims:detail", pk=pk)
    messages.success(request, f"已将 {outcome.approved} 条待审核明细审核通过")
    for line, problems in outcome.skipped:
        messages.warning(request, f"明细 #{line.pk}（{line.person.name}）须逐条审核：{'；'.join(problems)}")
    return redirect("claims:detail", pk=pk)


@login_required
@require_POST
def claim_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="recommend")
    form = RecommendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写第三方审核意见")
        return redirect("claims:detail", pk=pk)
    try:
        review.claim_recommend(claim=claim, actor=signed_in(request), text=form.cleaned_data["text"])
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "第三方审核意见已记录，最终审核由区县人力社保局作出 (R7.1)")
    return redirect("claims:detail", pk=pk)


@login_required
@require_POST
def line_recommend(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """A third-party reviewer's recommendation on one line (R7.1); the officer decides."""
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="recommend")
    try:
        line = claim.lines.select_related("person").get(pk=line_pk)
    except ClaimLine.DoesNotExist as exc:
        raise Http404("申领明细不存在") from exc
    form = LineRecommendForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"明细 #{line.pk}（{line.person.name}）：{error}")
        return redirect(_at_line(claim, line))
    try:
        review.claim_line_recommend(line=line, actor=signed_in(request), **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, f"明细 #{line.pk}（{line.person.name}）：{exc}")
    else:
        messages.success(
            request, f"明细 #{line.pk}（{line.person.name}）：审核意见已记录，由区县人力社保局审核决定 (R7.1)"
        )
    return redirect(_at_line(claim, line))
