"""Balances and the reconciliation of claims, ledger and payments (R8.5: 账实相符、账表相符)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision, Share
from apps.claims.permissions import claim_policy
from apps.rules.money import yuan

from ..models import Allocation, EntryKind, LedgerEntry, PaymentLine, Recovery, RecoveryStatus
from ..permissions import ledger_districts

if TYPE_CHECKING:
    from apps.accounts.models import User

ZERO = Decimal("0.00")


def ledger_years(*, user: User) -> list[int]:
    """The years with an allocation in the districts whose account the user reads, or with a claim
    the user sees (for the year selectors of the ledger and the home page)."""
    years = set(Allocation.objects.filter(district__in=ledger_districts(user)).values_list("year", flat=True))
    years |= set(claim_policy.visible(user).values_list("year", flat=True).distinct())
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
        for entry in allocation.entries.values("share").annotate(total=Sum("amount")).order_by():
            booked[entry["share"]] = entry["total"] or ZERO
    for payment in (
        PaymentLine.objects.filter(claim_line__claim__district=district, claim_line__claim__year=year)
        .values("claim_line__share")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        paid[payment["claim_line__share"]] = payment["total"] or ZERO
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


def reconciliation(*, district: District, year: int) -> list[Difference]:
    """Everything where claims, the ledger and payments disagree, for one district and year.
    Empty when the books reconcile."""
    differences: list[Difference] = []
    lines = ClaimLine.objects.filter(claim__district=district, claim__year=year).select_related("claim")
    booked = {
        row["claim_line"]: row["total"]
        for row in LedgerEntry.objects.filter(claim_line__in=lines)
        .values("claim_line")
        .annotate(total=Sum("amount"))
    }
    commitments: defaultdict[int, int] = defaultdict(int)
    for line_id in LedgerEntry.objects.filter(claim_line__in=lines, kind=EntryKind.COMMITMENT).values_list(
        "claim_line", flat=True
    ):
        commitments[line_id] += 1
    paid = {
        row["claim_line"]: row["amount"]
        for row in PaymentLine.objects.filter(claim_line__in=lines).values("claim_line", "amount")
    }
    # What was clawed back after payment stands as a receivable: paid = net booked + receivable.
    recoveries = list(Recovery.objects.filter(claim_line__in=lines).select_related("entry"))
    receivable: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for recovery in recoveries:
        receivable[recovery.claim_line_id] += recovery.receivable
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
    booked_claim_states = (ClaimStatus.APPROVED, ClaimStatus.PAID)
    approved_lines: dict[int, list[bool]] = defaultdict(list)
    claim_status: dict[int, str] = {}
    for line in lines:
        claim_status[line.claim_id] = line.claim.status
        net = booked.get(line.pk) or ZERO
        should_book = line.claim.status in booked_claim_states and line.decision == LineDecision.APPROVED
        if should_book and net != line.amount:
            differences.append(
                Difference(
                    "ledger",
                    line.claim_id,
                    line.pk,
                    f"明细 #{line.pk} 核定 {yuan(line.amount)} 元，台账净额 {yuan(net)} 元",
                )
            )
        if not should_book and net != ZERO:
            differences.append(
                Difference(
                    "ledger",
                    line.claim_id,
                    line.pk,
                    f"明细 #{line.pk} 未核定通过，但台账净额为 {yuan(net)} 元",
                )
            )
        if line.pk in paid and paid[line.pk] != net + receivable[line.pk]:
            owed = f"，待退回 {yuan(receivable[line.pk])} 元" if receivable[line.pk] else ""
            differences.append(
                Difference(
                    "payment",
                    line.claim_id,
                    line.pk,
                    f"明细 #{line.pk} 拨付 {yuan(paid[line.pk])} 元，台账净额 {yuan(net)} 元{owed}",
                )
            )
        if line.pk not in paid and receivable[line.pk]:
            differences.append(
                Difference(
                    "recovery",
                    line.claim_id,
                    line.pk,
                    f"明细 #{line.pk} 未拨付，但有应退回 {yuan(receivable[line.pk])} 元",
                )
            )
        if line.decision == LineDecision.APPROVED:
            approved_lines[line.claim_id].append(line.pk in paid)
    for claim_id, paid_flags in approved_lines.items():
        status = claim_status[claim_id]
        if all(paid_flags) and status == ClaimStatus.APPROVED:
            differences.append(
                Difference("claim", claim_id, None, f"申领 #{claim_id} 已全部拨付，但状态不是已拨付")
            )
        if not all(paid_flags) and status == ClaimStatus.PAID:
            differences.append(
                Difference("claim", claim_id, None, f"申领 #{claim_id} 状态为已拨付，但有明细未拨付")
            )
    for claim in Claim.objects.filter(district=district, year=year, status__in=booked_claim_states):
        approved = (
            claim.lines.filter(decision=LineDecision.APPROVED).aggregate(total=Sum("amount"))["total"] or ZERO
        )
        if approved != claim.approved_total:
            differences.append(
                Difference(
                    "claim",
                    claim.pk,
                    None,
                    f"申领 #{claim.pk} 核定金额 {yuan(claim.approved_total)} 元，"
                    f"明细合计 {yuan(approved)} 元",
                )
            )
    allocation = Allocation.objects.filter(district=district, year=year).first()
    if allocation is not None:
        foreign = LedgerEntry.objects.filter(allocation=allocation).exclude(
            claim_line__claim__district=district
        )
        for entry in foreign.exclude(claim_line__claim__year=year) | foreign:
            differences.append(
                Difference(
                    "ledger", None, entry.claim_line_id, f"台账记录 #{entry.pk} 不属于本区县本年度的申领"
                )
            )
    return differences
