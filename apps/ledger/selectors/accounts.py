"""Balances and the reconciliation of claims, ledger and payments (R8.5: 账实相符、账表相符)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision, Share
from apps.claims.permissions import claim_policy
from apps.rules.money import yuan

from ..models import (
    Allocation,
    AllocationTransfer,
    LedgerEntry,
    Reconciliation,
    ReconciliationStatus,
    Recovery,
    RecoveryStatus,
)
from ..permissions import ledger_districts
from .totals import db_money, totals_differences, totals_of

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def ledger_years(*, user: User) -> list[int]:
    """The years with an allocation in the districts whose account the user reads, or with a claim
    the user sees (for the year selectors of the ledger and the home page)."""
    years = set(Allocation.objects.filter(district__in=ledger_districts(user)).values_list("year", flat=True))
    # order_by(): without it the model's ordering joins the DISTINCT, which then keeps every claim.
    years |= set(claim_policy.visible(user).order_by().values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class ShareBalance:
    share: str
    label: str
    allocated: Decimal
    booked: Decimal
    paid: Decimal
    receivable: Decimal = ZERO  # recovered after payment, not yet returned (追回待退回)

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.booked


def balances(*, district: District, year: int) -> list[ShareBalance]:
    allocation = Allocation.objects.filter(district=district, year=year).first()
    booked = defaultdict(lambda: ZERO)
    paid = defaultdict(lambda: ZERO)
    if allocation is not None:
        for (_, share), sums in totals_of([allocation.pk]).items():
            booked[share] = sums.booked
            paid[share] = sums.paid
    receivable = defaultdict(lambda: ZERO)
    for recovery in (
        Recovery.objects.filter(
            claim_line__claim__district=district,
            claim_line__claim__year=year,
            status=RecoveryStatus.OUTSTANDING,
        )
        .values("claim_line__share")
        .annotate(total=Sum("receivable"))
        .order_by()
    ):
        receivable[recovery["claim_line__share"]] = recovery["total"] or ZERO
    return [
        ShareBalance(
            share.value,
            str(share.label),
            allocation.share_amount(share.value) if allocation else ZERO,
            booked[share.value],
            paid[share.value],
            receivable[share.value],
        )
        for share in Share
    ]


@dataclass(frozen=True)
class Difference:
    kind: str
    claim_id: int | None
    line_id: int | None
    message: str

    @property
    def label(self) -> str:
        """The kind in the reconciliation's 类别 column (page and workbook)."""
        return str(DIFFERENCE_KINDS.get(self.kind, self.kind))


DIFFERENCE_KINDS = {
    "ledger": _("台账"),
    "payment": _("拨付"),
    "claim": _("申领"),
    "recovery": _("追回"),
    "balance": _("额度汇总"),
    "allocation": _("额度调剂"),
}


# The lines of one district and year with their net booked (every entry on the line), their
# payment and their receivable (every recovery of the line), where one of them disagrees: a line
# that should be booked whose net is not its amount, one that should not be booked with a net,
# a paid line whose payment is not net + receivable, an unpaid line with a receivable. One GROUP
# BY over the district-year's lines (found through their claims) hash-joined to their entries
# and payments, and the district-year's few recoveries summed apart: only the lines that differ
# come back. A line's condition is checked again in Python on the exact Decimals (SQLite sums
# floats), so the filter here only has to keep every line that differs.
_LINE_DIFFERENCES = """
SELECT l.id, l.claim_id, l.amount, l.decision, c.status, SUM(e.amount), p.amount, o.receivable
FROM claims_claim c
JOIN claims_claimline l ON l.claim_id = c.id
LEFT JOIN ledger_ledgerentry e ON e.claim_line_id = l.id
LEFT JOIN ledger_paymentline p ON p.claim_line_id = l.id
LEFT JOIN (
    SELECT r.claim_line_id, SUM(r.receivable) AS receivable
    FROM ledger_recovery r
    JOIN claims_claimline rl ON rl.id = r.claim_line_id
    JOIN claims_claim rc ON rc.id = rl.claim_id
    WHERE rc.district_id = %(district)s AND rc.year = %(year)s
    GROUP BY r.claim_line_id
) o ON o.claim_line_id = l.id
WHERE c.district_id = %(district)s AND c.year = %(year)s
GROUP BY l.id, l.claim_id, l.amount, l.decision, c.status, p.amount, o.receivable
HAVING COALESCE(SUM(e.amount), 0) <> CASE
        WHEN c.status IN (%(approved)s, %(paid)s) AND l.decision = %(line_approved)s THEN l.amount
        ELSE 0 END
    OR (p.amount IS NOT NULL AND p.amount <> COALESCE(SUM(e.amount), 0) + COALESCE(o.receivable, 0))
    OR (p.amount IS NULL AND COALESCE(o.receivable, 0) <> 0)
ORDER BY l.claim_id, l.id
"""


def _line_differences(
    line_id: int,
    claim_id: int,
    amount: Decimal,
    decision: str,
    status: str,
    net: Decimal,
    paid: Decimal | None,
    receivable: Decimal,
) -> list[Difference]:
    """What one line's figures disagree on (R8.5), in the order the reconciliation lists them."""
    found = []
    should_book = status in BOOKED_CLAIM_STATES and decision == LineDecision.APPROVED
    if should_book and net != amount:
        found.append(
            Difference(
                "ledger",
                claim_id,
                line_id,
                f"明细 #{line_id} 核定 {yuan(amount)} 元，台账净额 {yuan(net)} 元",
            )
        )
    if not should_book and net != ZERO:
        found.append(
            Difference(
                "ledger", claim_id, line_id, f"明细 #{line_id} 未核定通过，但台账净额为 {yuan(net)} 元"
            )
        )
    if paid is not None and paid != net + receivable:
        owed = f"，待退回 {yuan(receivable)} 元" if receivable else ""
        found.append(
            Difference(
                "payment",
                claim_id,
                line_id,
                f"明细 #{line_id} 拨付 {yuan(paid)} 元，台账净额 {yuan(net)} 元{owed}",
            )
        )
    if paid is None and receivable:
        found.append(
            Difference(
                "recovery", claim_id, line_id, f"明细 #{line_id} 未拨付，但有应退回 {yuan(receivable)} 元"
            )
        )
    return found


BOOKED_CLAIM_STATES = (ClaimStatus.APPROVED, ClaimStatus.PAID)


def reconciliation(*, district: District, year: int) -> list[Difference]:
    """Everything where claims, the ledger and payments disagree, for one district and year.
    Empty when the books reconcile.

    The database finds the differences (a fixed number of queries, each an aggregate over the
    district-year's lines and what hangs on them); Python only words the rows that differ. In
    order: recoveries whose entry is not theirs, each line's differences (by claim and line),
    claims whose status does not say whether all their approved lines are paid (by claim), claims
    whose approved total is not the sum of their approved lines (newest first), and entries of the
    year's allocation that belong to another district's claims (in the ledger's order)."""
    differences: list[Difference] = []
    lines = ClaimLine.objects.filter(claim__district=district, claim__year=year)
    # 1. A recovery whose entry takes out another amount, or is booked on another line.
    for recovery in (
        Recovery.objects.filter(claim_line__in=lines)
        .filter(~Q(entry__amount=-F("amount")) | ~Q(entry__claim_line_id=F("claim_line_id")))
        .select_related("entry")
    ):
        if (
            recovery.entry.amount != -recovery.amount
            or recovery.entry.claim_line_id != recovery.claim_line_id
        ):
            differences.append(
                Difference(
                    "recovery",
                    None,
                    recovery.claim_line_id,
                    f"追回 #{recovery.pk} 金额 {yuan(recovery.amount)} 元，"
                    f"追回记账 #{recovery.entry_id} 为 {yuan(recovery.entry.amount)} 元",
                )
            )
    # 2. Each line: booked as decided, paid what is booked and owed back.
    params: dict[str, int | str] = {
        "district": district.pk,
        "year": year,
        "approved": str(ClaimStatus.APPROVED.value),
        "paid": str(ClaimStatus.PAID.value),
        "line_approved": str(LineDecision.APPROVED.value),
    }
    with connection.cursor() as cursor:
        cursor.execute(_LINE_DIFFERENCES, params)
        rows = cursor.fetchall()
    for line_id, claim_id, amount, decision, status, net, paid, receivable in rows:
        differences += _line_differences(
            line_id,
            claim_id,
            db_money(amount) or ZERO,
            decision,
            status,
            db_money(net) or ZERO,
            db_money(paid),
            db_money(receivable) or ZERO,
        )
    # 3. A booked claim: its status says whether every approved line is paid, and its approved
    # total is the sum of its approved lines. One aggregate over the claims' lines.
    approved = Q(lines__decision=LineDecision.APPROVED)
    claims = list(
        Claim.objects.filter(district=district, year=year, status__in=BOOKED_CLAIM_STATES)
        .annotate(
            approved_lines=Count("lines", filter=approved),
            paid_lines=Count("lines", filter=approved & Q(lines__payment_line__isnull=False)),
            approved_sum=Coalesce(Sum("lines__amount", filter=approved), Value(ZERO), output_field=MONEY),
        )
        .filter(
            Q(approved_lines__gt=0, paid_lines=F("approved_lines"), status=ClaimStatus.APPROVED)
            | Q(approved_lines__gt=0, paid_lines__lt=F("approved_lines"), status=ClaimStatus.PAID)
            | ~Q(approved_sum=F("approved_total"))
        )
    )
    for claim in sorted(claims, key=lambda c: c.pk):
        if not claim.approved_lines:
            continue
        all_paid = claim.paid_lines == claim.approved_lines
        if all_paid and claim.status == ClaimStatus.APPROVED:
            differences.append(
                Difference("claim", claim.pk, None, f"申领 #{claim.pk} 已全部拨付，但状态不是已拨付")
            )
        if not all_paid and claim.status == ClaimStatus.PAID:
            differences.append(
                Difference("claim", claim.pk, None, f"申领 #{claim.pk} 状态为已拨付，但有明细未拨付")
            )
    for claim in claims:  # in the claims' order, newest first
        approved_sum = db_money(claim.approved_sum) or ZERO
        if approved_sum != claim.approved_total:
            differences.append(
                Difference(
                    "claim",
                    claim.pk,
                    None,
                    f"申领 #{claim.pk} 核定金额 {yuan(claim.approved_total)} 元，"
                    f"明细合计 {yuan(approved_sum)} 元",
                )
            )
    # 4. Entries of the district's allocation for the year booked for another district's claims.
    # (An entry of this district's claim of another year is not listed: it never was.)
    allocation = Allocation.objects.filter(district=district, year=year).first()
    if allocation is not None:
        for entry in LedgerEntry.objects.filter(allocation=allocation).exclude(
            claim_line__claim__district=district
        ):
            differences.append(
                Difference(
                    "ledger", None, entry.claim_line_id, f"台账记录 #{entry.pk} 不属于本区县本年度的申领"
                )
            )
        # 5. The allocation's kept totals (what the balances show) are the sums of its entries.
        labels = dict(Share.choices)
        for (_, share), kept, summed in totals_differences([allocation.pk]):
            differences.append(
                Difference(
                    "balance",
                    None,
                    None,
                    f"{labels.get(share, share)}额度使用汇总为已记账 {yuan(kept.booked)} 元、已拨付 "
                    f"{yuan(kept.paid)} 元，按台账记录合计为已记账 {yuan(summed.booked)} 元、已拨付 "
                    f"{yuan(summed.paid)} 元",
                )
            )
        # 6. What redistribution (调剂) moved in and out is what the allocation keeps as moved.
        moved = AllocationTransfer.objects.filter(Q(target=allocation) | Q(source=allocation)).aggregate(
            moved_in=Sum("amount", filter=Q(target=allocation)),
            moved_out=Sum("amount", filter=Q(source=allocation)),
        )
        moved_in, moved_out = moved["moved_in"] or ZERO, moved["moved_out"] or ZERO
        if allocation.transferred != moved_in - moved_out:
            differences.append(
                Difference(
                    "allocation",
                    None,
                    None,
                    f"额度记为调剂净额 {yuan(allocation.transferred)} 元，"
                    f"调剂记录合计调入 {yuan(moved_in)} 元、调出 {yuan(moved_out)} 元",
                )
            )
    return differences


@dataclass(frozen=True)
class ReconciliationState:
    """What the reconciliation page shows of a district-year: its latest finished run and the
    differences it kept, the run in progress if any, and the last run if it failed."""

    finished: Reconciliation | None
    differences: list[Difference]
    in_progress: Reconciliation | None
    failed: Reconciliation | None


def reconciliation_latest(*, district: District, year: int) -> Reconciliation | None:
    """The district-year's latest finished run, with who asked for it (index reconciliation_latest)."""
    return (
        Reconciliation.objects.filter(district=district, year=year, status=ReconciliationStatus.FINISHED)
        .select_related("requested_by")
        .order_by("-created_at", "-id")
        .first()
    )


def run_differences(run: Reconciliation) -> list[Difference]:
    """The differences a run kept, as the reconciliation words them."""
    return [Difference(**d) for d in run.differences]


def reconciliation_state(*, district: District, year: int) -> ReconciliationState:
    """Two indexed reads (index reconciliation_latest), whatever the size of the district-year."""
    # At most one run is in progress (reconciliation_one_in_progress) and none is asked for while
    # it is, so the two newest runs hold it and the latest one that ended.
    runs = list(
        Reconciliation.objects.filter(district=district, year=year)
        .select_related("requested_by")
        .defer("differences")
        .order_by("-created_at", "-id")[:2]
    )
    in_progress = next((r for r in runs if r.in_progress), None)
    ended = next((r for r in runs if not r.in_progress), None)
    finished = reconciliation_latest(district=district, year=year)
    return ReconciliationState(
        finished=finished,
        differences=run_differences(finished) if finished else [],
        in_progress=in_progress,
        failed=ended if ended is not None and ended.status == ReconciliationStatus.FAILED else None,
    )
