"""What the ledger pages, the API and the home panels read: balances side by side, entries,
payments, payable lines, the high-skill bases against their targets (R6.1), and the bars of the
charts. Every read is scoped through the ledger policies and costs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision
from apps.institutions.models import HighSkillBase, Institution
from apps.rules.money import FEN

from ..models import (
    Allocation,
    AllocationTransfer,
    LedgerEntry,
    Payment,
    PaymentLine,
    Recovery,
    RecoveryStatus,
)
from ..permissions import entry_policy, ledger_districts, payment_policy
from .accounts import balances
from .kpis import KpiReport
from .totals import totals_of

if TYPE_CHECKING:
    from apps.accounts.models import User

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal("0.00")
WAITING = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW)
BAR_WIDTH = 240  # the length in SVG units of the longest bar of a chart


def fen(value: Decimal | None) -> Decimal:
    """An amount with two places, as the ledger shows it (sums come back from SQLite without)."""
    return (value or ZERO).quantize(FEN)


@dataclass(frozen=True)
class ShareRow:
    share: str
    label: str
    allocated: Decimal
    booked: Decimal
    paid: Decimal
    remaining: Decimal


def share_rows(*, district: District, year: int) -> list[ShareRow]:
    """The district's balances per share (apps.ledger.selectors.balances), amounts with two places."""
    return [
        ShareRow(b.share, b.label, fen(b.allocated), fen(b.booked), fen(b.paid), fen(b.remaining))
        for b in balances(district=district, year=year)
    ]


@dataclass(frozen=True)
class DistrictSummary:
    district: District
    allocated: Decimal
    booked: Decimal
    paid: Decimal
    waiting: int

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.booked

    @property
    def overdrawn(self) -> bool:
        return self.remaining < 0


def _by_district(rows: Any, key: str, value: str) -> dict[int, Any]:
    return {row[key]: row[value] for row in rows}


def district_summaries(
    *, user: User, year: int, districts: QuerySet[District] | None = None
) -> list[DistrictSummary]:
    """Allocated, booked (commitments less reversals), paid and the claims waiting for a decision,
    per district the user may read, in four queries whatever the number of districts (with the
    districts'); booked and paid are the allocations' kept totals, one row per share."""
    scope = districts if districts is not None else ledger_districts(user)
    scope = scope.order_by("sort_order", "code")
    allocations = list(
        Allocation.objects.filter(district__in=scope, year=year).values(
            "pk", "district_id", "amount", "transferred"
        )
    )
    # What the district may spend: the bureau's figure and what redistribution (调剂) moved.
    allocated = {row["district_id"]: row["amount"] + row["transferred"] for row in allocations}
    # Booked and paid: the allocations' kept totals (selectors.totals), one indexed read.
    district_of = {row["pk"]: row["district_id"] for row in allocations}
    booked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (allocation_id, _), sums in totals_of(district_of).items():
        booked[district_of[allocation_id]] += sums.booked
        paid[district_of[allocation_id]] += sums.paid
    waiting = _by_district(
        Claim.objects.filter(district__in=scope, status__in=WAITING)
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by(),
        "district_id",
        "n",
    )
    return [
        DistrictSummary(
            district,
            fen(allocated.get(district.pk)),
            fen(booked.get(district.pk)),
            fen(paid.get(district.pk)),
            waiting.get(district.pk, 0),
        )
        for district in scope
    ]


def totals(summaries: list[DistrictSummary]) -> dict[str, Any]:
    return {
        "allocated": sum((s.allocated for s in summaries), ZERO),
        "booked": sum((s.booked for s in summaries), ZERO),
        "paid": sum((s.paid for s in summaries), ZERO),
        "remaining": sum((s.remaining for s in summaries), ZERO),
        "waiting": sum(s.waiting for s in summaries),
    }


def bar(value: Decimal | int, largest: Decimal | int) -> int:
    """The length of `value`'s bar when the largest value's is BAR_WIDTH (whole SVG units)."""
    if not largest or value <= 0:
        return 0
    return int((Decimal(value) * BAR_WIDTH / Decimal(largest)).quantize(Decimal(1), ROUND_HALF_UP))


ROW_HEIGHT = 26  # SVG units per district in the side-by-side chart


def district_chart(summaries: list[DistrictSummary]) -> dict[str, Any]:
    """The side-by-side bars of the districts that have an allocation or bookings: each row's
    offset and the lengths of its allocated, booked and paid bars on one scale."""
    shown = [s for s in summaries if s.allocated or s.booked]
    largest = max((max(s.allocated, s.booked) for s in shown), default=0)
    rows = [
        {
            "summary": s,
            "y": index * ROW_HEIGHT,
            "allocated": bar(s.allocated, largest),
            "booked": bar(s.booked, largest),
            "paid": bar(s.paid, largest),
        }
        for index, s in enumerate(shown)
    ]
    return {"rows": rows, "height": len(rows) * ROW_HEIGHT + 4}


# Entries, payments, payable lines --------------------------------------------------------------


def entry_list(*, user: User) -> QuerySet[LedgerEntry]:
    """The entries the user may read, each with whether it was reversed and is paid;
    `filters.EntryFilter` narrows a list."""
    qs = entry_policy.visible(user).select_related(
        "allocation__district", "claim_line__person", "claim_line__claim", "created_by", "reverses"
    )
    reversed_ = LedgerEntry.objects.filter(reverses=OuterRef("pk"))
    paid = PaymentLine.objects.filter(claim_line=OuterRef("claim_line"))
    return qs.annotate(is_reversed=Exists(reversed_), is_paid=Exists(paid))


def recovery_list(*, user: User) -> QuerySet[Recovery]:
    """The recoveries (追回) of the districts whose ledger the user reads; `filters.RecoveryFilter`
    narrows a list."""
    return Recovery.objects.filter(claim_line__claim__district__in=ledger_districts(user)).select_related(
        "claim_line__claim__district", "claim_line__person", "created_by"
    )


def recovery_totals(qs: QuerySet[Recovery]) -> dict[str, Decimal]:
    """Recovered in all, and still to be returned, over the list's filter (one query)."""
    row = qs.aggregate(
        amount=Sum("amount"), outstanding=Sum("receivable", filter=Q(status=RecoveryStatus.OUTSTANDING))
    )
    return {key: (row[key] or ZERO).quantize(FEN) for key in ("amount", "outstanding")}


def payment_list(*, user: User) -> QuerySet[Payment]:
    """The payments the user may read, with their line counts; `filters.PaymentFilter` narrows a list."""
    # The count a subquery (not a join and GROUP BY over every payment): the list's paginator
    # reads it for the page's payments alone (apps.core.pagination).
    lines = (
        PaymentLine.objects.filter(payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        payment_policy.visible(user)
        .select_related("district", "created_by")
        .annotate(line_count=Coalesce(Subquery(lines, output_field=IntegerField()), Value(0)))
    )


def payable_lines(*, district: District, year: int | None = None) -> QuerySet[ClaimLine]:
    """Approved lines of approved claims of the district, booked and not yet paid."""
    qs = ClaimLine.objects.filter(
        claim__district=district,
        claim__status=ClaimStatus.APPROVED,
        decision=LineDecision.APPROVED,
        payment_line__isnull=True,
    ).select_related("claim__institution", "claim__employer", "person")
    if year:
        qs = qs.filter(claim__year=year)
    return qs.order_by("claim_id", "pk")


def transfer_list(*, districts: Any, year: int) -> QuerySet[AllocationTransfer]:
    """The year's redistributions (调剂) that move money into or out of one of `districts`."""
    return (
        AllocationTransfer.objects.filter(year=year)
        .filter(Q(source__district__in=districts) | Q(target__district__in=districts))
        .select_related("source__district", "target__district", "created_by")
    )


@dataclass(frozen=True)
class DistrictPerformance:
    """One district's year, to ground redistribution (调剂): how much of its allocation it paid out,
    how fast it decides and pays, how often claims pass at once, and the notice's three 突出
    shares of what it approved (鉴定评价类职业, 企业职工, 三级及以上)."""

    summary: DistrictSummary
    kpi: Any
    approved: Decimal
    assessment: Decimal
    enterprise: Decimal
    high_level: Decimal
    bases: int

    @staticmethod
    def _share(part: Decimal, whole: Decimal) -> Decimal | None:
        return None if not whole else (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def execution(self) -> Decimal | None:
        return self._share(self.summary.paid, self.summary.allocated)

    @property
    def assessment_share(self) -> Decimal | None:
        return self._share(self.assessment, self.approved)

    @property
    def enterprise_share(self) -> Decimal | None:
        return self._share(self.enterprise, self.approved)

    @property
    def high_level_share(self) -> Decimal | None:
        return self._share(self.high_level, self.approved)


ENTERPRISE_KINDS = ("enterprise_direct", "work_for_training", "apprenticeship")


def district_performance(*, user: User, year: int, kpis: KpiReport | None) -> list[DistrictPerformance]:
    """Every district the user reads, its year: the summaries' four queries, one aggregate of the
    approved lines' amounts, one count of the high-skill bases, and the cached KPIs."""
    summaries = district_summaries(user=user, year=year)
    approved = Q(lines__decision=LineDecision.APPROVED)
    rows: dict[int, dict[str, Any]] = {
        row["district_id"]: dict(row)
        for row in Claim.objects.filter(district__in=[s.district for s in summaries], year=year)
        .values("district_id")
        .annotate(
            total=Sum("lines__amount", filter=approved),
            assessment=Sum(
                "lines__amount", filter=approved & Q(training_class__occupation__is_assessment_type=True)
            ),
            enterprise=Sum("lines__amount", filter=approved & Q(kind__in=ENTERPRISE_KINDS)),
            high=Sum("lines__amount", filter=approved & Q(training_class__level__lte=3)),
        )
        .order_by()
    }
    bases = dict(
        Institution.objects.exclude(high_skill_base=HighSkillBase.NONE)
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    by_district = {k.key: k for k in kpis.rows} if kpis else {}
    out = []
    for summary in summaries:
        row = rows.get(summary.district.pk, {})
        out.append(
            DistrictPerformance(
                summary,
                by_district.get(summary.district.pk),
                fen(row.get("total")),
                fen(row.get("assessment")),
                fen(row.get("enterprise")),
                fen(row.get("high")),
                bases.get(summary.district.pk, 0),
            )
        )
    return out
