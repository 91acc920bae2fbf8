"""Special-account pages: balances, allocations, the ledger with reversals, payments, the
reconciliation, and the final approval of a claim (which books the ledger)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from apps.catalog.models import District
from apps.claims.models import ClaimLine
from apps.claims.permissions import claim_policy
from apps.claims.selectors import claim_get
from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.home import chosen_year, year_choices
from apps.core.permissions import signed_in
from apps.core.templatetags.money import yuan
from apps.core.views import paginate, sort_by

from . import services
from .extensions import lines_not_payable
from .filters import EntryFilter, PaymentFilter, RecoveryFilter
from .forms import (
    AllocationForm,
    ApproveForm,
    PaymentForm,
    RecoverForm,
    RecoveryReturnedForm,
    ReverseForm,
    TransferForm,
)
from .models import Allocation, EntryKind, PaymentLine, RecoveryStatus
from .permissions import (
    actable_districts,
    allocation_districts,
    allocation_policy,
    entry_policy,
    ledger_districts,
    may_act_in,
    payment_policy,
)
from .selectors import dashboards
from .selectors.accounts import ledger_years, reconciliation_state

if TYPE_CHECKING:
    from apps.core.permissions import Actor


def _ledger_years(request: HttpRequest) -> list[int]:
    """The user's years with data, read once per request (the year and its selector both ask)."""
    years = getattr(request, "_ledger_years", None)
    if years is None:
        years = ledger_years(user=signed_in(request))
        request._ledger_years = years  # type: ignore[attr-defined]
    return years


def _year(request: HttpRequest) -> int:
    """?year=, else this year if it has data (or nothing has), else the latest year with data."""
    return chosen_year(request.GET.get("year", ""), _ledger_years(request), timezone.localdate().year)


def _years(request: HttpRequest, year: int) -> list[int]:
    """The year selector's choices: the years with data, this year and the one shown."""
    return year_choices(_ledger_years(request), year, timezone.localdate().year)


def _readable(request: HttpRequest) -> Any:
    user = signed_in(request)
    if not allocation_policy.can(user, "list"):
        raise PermissionDenied
    return ledger_districts(user).order_by("sort_order", "code")


def _district(request: HttpRequest, districts: Any, *, default_own: bool = True) -> District | None:
    """The district asked for by ?district=<code> (404 outside the user's scope), else the
    officer's own; None for city-wide users who asked for none."""
    user = signed_in(request)
    code = request.GET.get("district", "")
    if not code and default_own and user.district_id:
        return districts.filter(pk=user.district_id).first()
    if not code:
        return None
    district = districts.filter(code=code).first()
    if district is None:
        raise Http404("区县不存在")
    return district


@login_required
def ledger_balances(request: HttpRequest) -> HttpResponse:
    """Every readable district side by side for the year, and one district's shares."""
    user = signed_in(request)
    districts = _readable(request)
    year = _year(request)
    district = _district(request, districts)
    summaries = dashboards.district_summaries(user=user, year=year, districts=districts)
    shares = dashboards.share_rows(district=district, year=year) if district else []
    return render(
        request,
        "ledger/balances.html",
        {
            "year": year,
            "years": _years(request, year),
            "district": district,
            "districts": districts,
            "summaries": summaries,
            "chart": dashboards.district_chart(summaries),
            "totals": dashboards.totals(summaries),
            "shares": shares,
            "allocated_total": sum((b.allocated for b in shares), dashboards.ZERO),
            "can_set_allocations": allocation_policy.can(user, "act"),
            "share_bars": [
                (
                    b,
                    dashboards.bar(b.booked, max(b.allocated, b.booked)),
                    dashboards.bar(b.paid, max(b.allocated, b.booked)),
                )
                for b in shares
            ],
        },
    )


@login_required
def allocation_list(request: HttpRequest) -> HttpResponse:
    """Allocations and their shares per district and year, for the ledger's readers; the
    municipal admin alone sets them (R8.2), officers read their own district's, with no form."""
    user = signed_in(request)
    districts = _readable(request)
    year = _year(request)
    form = None
    if allocation_policy.can(user, "act"):
        editable = allocation_districts(user).order_by("sort_order", "code")
        form = AllocationForm(request.POST or None, districts=editable, initial={"year": year})
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.allocation_set(
                    actor=user,
                    district=data["district"],
                    year=data["year"],
                    amount=data["amount"],
                    work_for_training_share=data["work_for_training_share"],
                    living_allowance_share=data["living_allowance_share"],
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"已设置{data['district'].name} {data['year']} 年度专账资金额度")
                return redirect(f"{request.path}?year={data['year']}")
    allocations = list(
        Allocation.objects.filter(district__in=districts, year=year)
        .select_related("district")
        .order_by("district__sort_order", "district__code")
    )
    return render(
        request,
        "ledger/allocations.html",
        {
            "year": year,
            "allocations": allocations,
            "form": form,
            "transfer_form": TransferForm(districts=allocation_districts(user).order_by("sort_order", "code"))
            if form is not None
            else None,
            "transfers": dashboards.transfer_list(districts=districts, year=year),
        },
    )


@login_required
@require_POST
def allocation_transfer(request: HttpRequest) -> HttpResponse:
    """The municipal admin moves money between two districts' allocations of a year (调剂)."""
    user = signed_in(request)
    if not allocation_policy.can(user, "act"):
        raise PermissionDenied
    year = _year(request)
    form = TransferForm(request.POST, districts=allocation_districts(user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.allocation_transfer(
                actor=user,
                year=year,
                source=data["source"],
                target=data["target"],
                amount=data["amount"],
                reason=data["reason"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"资金调剂 #{transfer.pk}：{data['source'].name} → {data['target'].name} "
                f"{yuan(transfer.amount)} 元",
            )
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('ledger:allocations')}?year={year}")


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    _readable(request)
    filterset = filter_page(EntryFilter, request, dashboards.entry_list(user=user))
    qs, sort = sort_by(request, filterset.narrowed(), {"at": "created_at", "amount": "amount"}, "-at")
    page = paginate(request, qs)
    for entry in page.object_list:
        # A standing commitment: reversed (冲销) while unpaid, recovered (追回) paid or not.
        entry.recoverable = (
            entry.kind == EntryKind.COMMITMENT
            and not entry.is_reversed
            and may_act_in(user, entry.allocation.district)
        )
        entry.reversible = entry.recoverable and not entry.is_paid
    return render(
        request,
        "ledger/entries.html",
        {
            "page": page,
            "sort": sort,
            "filter": filterset,
        },
    )


@login_required
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    entry = entry_policy.get_visible(
        user,
        entry_policy.model.objects.select_related(
            "allocation__district", "claim_line__person", "claim_line__claim"
        ),
        pk=pk,
    )
    entry_policy.check(user, "act", entry)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_reverse(entry=entry, actor=user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, f"已冲销台账记录 #{entry.pk}")
            return redirect("ledger:entries")
    return render(request, "ledger/entry_reverse.html", {"entry": entry, "form": form})


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    _readable(request)
    filterset = filter_page(PaymentFilter, request, dashboards.payment_list(user=user))
    qs, sort = sort_by(request, filterset.narrowed(), {"paid_on": "paid_on", "amount": "amount"}, "-paid_on")
    return render(
        request,
        "ledger/payments.html",
        {
            "page": paginate(request, qs),
            "sort": sort,
            "filter": filterset,
            "can_pay": payment_policy.can(user, "act"),
        },
    )


HELD_SHOWN = 200  # lines not yet payable listed on the payment form, with why


@login_required
def payment_create(request: HttpRequest) -> HttpResponse:
    """Record a payment of approved, unpaid lines of one district (one line or a batch)."""
    user = signed_in(request)
    districts = _readable(request)
    if not payment_policy.can(user, "act"):
        raise PermissionDenied
    district = _district(request, districts)
    if district is not None and not may_act_in(user, district):
        raise PermissionDenied
    form = None
    held: list[tuple[ClaimLine, list[str]]] = []
    if district is not None:
        lines = dashboards.payable_lines(district=district)
        # Lines a payment guard holds (apps.publicity: not published, notice running, objection open)
        # are listed apart with why, not offered.
        reasons = lines_not_payable(list(lines.values_list("pk", flat=True)))
        held = [(line, reasons[line.pk]) for line in lines.filter(pk__in=list(reasons))[:HELD_SHOWN]]
        form = PaymentForm(request.POST or None, lines=lines.exclude(pk__in=list(reasons)))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.payment_record(
                    actor=user,
                    district=district,
                    reference=data["reference"],
                    paid_on=data["paid_on"],
                    line_ids=[line.pk for line in data["lines"]],
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"已登记拨付 {payment.reference}，金额 {yuan(payment.amount)} 元")
                return redirect("ledger:payments")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "ledger/payment_form.html",
        {
            "form": form,
            "district": district,
            "districts": actable_districts(user).order_by("sort_order", "code"),
            "held": held,
            "held_shown": HELD_SHOWN,
        },
    )


REFRESH_SECONDS = 3  # how often the reconciliation page reloads itself while a run is in progress


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    """The latest reconciliation of a district-year (R8.5) as a Celery task kept it, with its time;
    POST asks for a new one (the page then refreshes itself until it is done)."""
    user = signed_in(request)
    districts = _readable(request)
    year = _year(request)
    district = _district(request, districts)
    if request.method == "POST":
        if district is None:
            messages.error(request, "请选择区县后对账")
            return redirect("ledger:reconciliation")
        try:
            services.reconciliation_request(actor=user, district=district, year=year)
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.info(
                request, f"已开始对账：{district.name}{year} 年度。对账在后台进行，完成后本页显示结果。"
            )
        return redirect(f"{reverse('ledger:reconciliation')}?district={district.code}&year={year}")
    state = reconciliation_state(district=district, year=year) if district else None
    # The differences of the latest run, a page at a time (a broken year may have hundreds).
    page = paginate(request, state.differences) if state and state.differences else None
    response = render(
        request,
        "ledger/reconciliation.html",
        {
            "year": year,
            "years": _years(request, year),
            "district": district,
            "districts": districts,
            "state": state,
            "page": page,
            "differences": page.object_list if page else [],
            "refresh": REFRESH_SECONDS,
        },
    )
    if state is not None and state.in_progress is not None:
        # The Refresh header reloads the page in every browser, with or without JavaScript.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _missing_allocation_hint(user: Actor, year: int) -> str:
    """Where a missing year's allocation is set: a link for the one who may set it (the municipal
    admin), whom to ask for everyone else."""
    url = reverse("ledger:allocations")
    if allocation_policy.can(user, "act"):
        return format_html('<a href="{}?year={}">设置 {} 年度专账资金额度</a>', url, year, year)
    return format_html(
        '请联系市人力社保局管理员设置 {} 年度专账资金额度后再审核通过（<a href="{}?year={}">查看额度</a>）',
        year,
        url,
        year,
    )


@login_required
@require_POST
def claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Final approval of a claim by a district officer: books the special account (R8.2)."""
    user = signed_in(request)
    claim = claim_get(claim_id=pk, user=user)
    claim_policy.check(user, "review", claim)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请勾选确认后再执行操作")
        return redirect("claims:detail", pk=pk)
    try:
        services.claim_approve(
            claim=claim,
            actor=user,
            reason=form.cleaned_data["reason"],
            acknowledged=form.cleaned_data["acknowledged"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
        if exc.field == "allocation":
            messages.info(request, _missing_allocation_hint(user, exc.extra["year"]))
    else:
        messages.success(request, "申领已审核通过，核定金额已记入专账资金台账")
    return redirect("claims:detail", pk=pk)


# Recovery (追回) ----------------------------------------------------------------------------------


@login_required
def line_recover(request: HttpRequest, pk: int) -> HttpResponse:
    """追回 one booked or paid line: the rule, the reason and where it was found (?source=)."""
    user = signed_in(request)
    line = (
        ClaimLine.objects.filter(claim__in=claim_policy.visible(user))
        .select_related("claim__district", "person")
        .filter(pk=pk)
        .first()
    )
    if line is None:
        raise Http404("申领明细不存在")
    claim_policy.check(user, "review", line.claim)
    form = RecoverForm(request.POST or None, initial={"source": request.GET.get("source", "")[:64]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recovery = services.line_recover(
                line=line,
                actor=user,
                rule=data["rule"],
                reason=data["reason"],
                source=data["source"],
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            owed = f"，应退回 {yuan(recovery.receivable)} 元" if recovery.receivable else ""
            messages.success(request, f"明细 #{line.pk} 已追回 {yuan(recovery.amount)} 元{owed}")
            return redirect(f"{reverse('claims:detail', args=[line.claim_id])}#recoveries")
    paid = PaymentLine.objects.filter(claim_line=line).first()
    return render(request, "ledger/line_recover.html", {"line": line, "form": form, "paid": paid})


@login_required
def recovery_list(request: HttpRequest) -> HttpResponse:
    """The recoveries of the districts the user reads, outstanding receivables first by default."""
    user = signed_in(request)
    _readable(request)
    filterset = filter_page(RecoveryFilter, request, dashboards.recovery_list(user=user))
    qs, sort = sort_by(request, filterset.narrowed(), {"at": "created_at", "amount": "amount"}, "-at")
    page = paginate(request, qs)
    for recovery in page.object_list:
        recovery.can_return = recovery.status == RecoveryStatus.OUTSTANDING and may_act_in(
            user, recovery.claim_line.claim.district
        )
    return render(
        request,
        "ledger/recoveries.html",
        {
            "page": page,
            "sort": sort,
            "filter": filterset,
            "totals": dashboards.recovery_totals(qs),
        },
    )


@login_required
def recovery_returned(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a recovered payment came back (the receivable is settled)."""
    user = signed_in(request)
    recovery = dashboards.recovery_list(user=user).filter(pk=pk).first()
    if recovery is None:
        raise Http404("追回记录不存在")
    if not may_act_in(user, recovery.claim_line.claim.district):
        raise PermissionDenied
    form = RecoveryReturnedForm(request.POST or None, initial={"returned_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.recovery_returned(
                recovery=recovery,
                actor=user,
                returned_on=form.cleaned_data["returned_on"],
                reference=form.cleaned_data["reference"],
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, f"追回 #{recovery.pk} 已登记退回")
            return redirect("ledger:recoveries")
    return render(request, "ledger/recovery_returned.html", {"recovery": recovery, "form": form})


@login_required
@require_http_methods(["GET"])
def district_performance(request: HttpRequest) -> HttpResponse:
    """Each district's year side by side, to ground redistribution (调剂): execution of the
    allocation, time to decision and to payment, first-pass rate, the three 突出 shares, bases."""
    user = signed_in(request)
    _readable(request)
    year = _year(request)
    # The year's waiting times as the worker last worked them out (services.service_kpis).
    kpis = services.service_kpis(district_id=None, by="district", year=year)
    rows = dashboards.district_performance(user=user, year=year, kpis=kpis)
    return render(
        request,
        "ledger/performance.html",
        {
            "year": year,
            "years": _years(request, year),
            "rows": rows,
            "bars": [
                {"row": row, "width": int(min(row.execution or 0, 100) * 2), "y": 8 + n * 22}
                for n, row in enumerate(rows)
            ],
            "height": 16 + 22 * len(rows),
        },
    )
