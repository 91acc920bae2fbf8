"""The reconciliation (R8.5: 账实相符、账表相符) asks the database for the lines and claims that
differ instead of reading every line of the district and year into Python (issue 17). It must
say exactly what the line-by-line reading said: the same differences, kinds, ids, words and
order, on every input. The line-by-line reading is kept here as the oracle; a small consistent
ledger (tests/exports/seed.py) is broken in every way the reconciliation knows, by hand and by
hypothesis, and both readings are compared for every district and year."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision, Share
from apps.ledger.models import (
    Allocation,
    AllocationTotal,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentLine,
    Recovery,
    RecoveryStatus,
)
from apps.ledger.selectors.accounts import Difference, reconciliation
from apps.ledger.services import payment_record
from apps.rules.money import yuan
from tests.factories import UserFactory, district, notice_over
from tests.ledger.conftest import YEARS, YUZHONG

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


def exact(total: Decimal) -> Decimal:
    """A sum as PostgreSQL gives it. SQLite sums the amounts as floats, and the ORM handed the old
    reading 0.00999999999999091 where PostgreSQL (and the new reading, on both) says 0.01: the one
    change made to the oracle, so that it speaks for PostgreSQL on either database."""
    return total if connection.vendor == "postgresql" else total.quantize(Decimal("0.01"))


def line_by_line(*, district: District, year: int) -> list[Difference]:
    """The reconciliation as it was before issue 17 (every line read into Python): the oracle."""
    differences: list[Difference] = []
    lines = ClaimLine.objects.filter(claim__district=district, claim__year=year).select_related("claim")
    booked = {
        row["claim_line"]: exact(row["total"])
        for row in LedgerEntry.objects.filter(claim_line__in=lines)
        .values("claim_line")
        .annotate(total=Sum("amount"))
    }
    paid = {
        row["claim_line"]: row["amount"]
        for row in PaymentLine.objects.filter(claim_line__in=lines).values("claim_line", "amount")
    }
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
        # The allocation's kept totals against its entries, summed here one entry at a time.
        summed: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for entry in LedgerEntry.objects.filter(allocation=allocation).select_related("claim_line"):
            summed[entry.share][0] += entry.amount
            payment = PaymentLine.objects.filter(claim_line_id=entry.claim_line_id).first()
            if entry.kind == EntryKind.COMMITMENT and payment is not None:
                summed[entry.share][1] += payment.amount
        kept = {t.share: [t.booked, t.paid] for t in AllocationTotal.objects.filter(allocation=allocation)}
        labels = dict(Share.choices)
        for share in sorted(set(summed) | set(kept)):
            (booked, paid), (kept_booked, kept_paid) = summed[share], kept.get(share, [ZERO, ZERO])
            if (exact(booked), exact(paid)) != (kept_booked, kept_paid):
                differences.append(
                    Difference(
                        "balance",
                        None,
                        None,
                        f"{labels[share]}额度使用汇总为已记账 {yuan(kept_booked)} 元、"
                        f"已拨付 {yuan(kept_paid)} 元，"
                        f"按台账记录合计为已记账 {yuan(exact(booked))} 元、已拨付 {yuan(exact(paid))} 元",
                    )
                )
    return differences


def pairs(world: dict[str, Any]) -> list[tuple[District, int]]:
    return [(d, y) for d in world["districts"] for y in YEARS]


def both(world: dict[str, Any]) -> list[tuple[list[Difference], list[Difference]]]:
    return [(line_by_line(district=d, year=y), reconciliation(district=d, year=y)) for d, y in pairs(world)]


# The ways to break the books: (name, line index, other line index, a small amount, a choice).
def breaks(world: dict[str, Any], name: str, i: int, j: int, cents: int, choice: int) -> None:
    lines = world["lines"]
    line, other = lines[i % len(lines)], lines[j % len(lines)]
    delta = Decimal(cents).scaleb(-2)
    commitment = LedgerEntry.objects.filter(claim_line=line, kind=EntryKind.COMMITMENT).first()
    admin = world["admin"]
    if name == "entry amount" and commitment is not None:
        LedgerEntry.objects.filter(pk=commitment.pk).update(amount=commitment.amount + delta)
    elif name == "line amount":
        ClaimLine.objects.filter(pk=line.pk).update(amount=line.amount + delta)
    elif name == "decision":
        ClaimLine.objects.filter(pk=line.pk).update(
            decision=(LineDecision.REJECTED, LineDecision.PENDING, LineDecision.APPROVED)[choice % 3]
        )
    elif name == "claim status":
        statuses = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PAID, ClaimStatus.REJECTED)
        Claim.objects.filter(pk=line.claim_id).update(status=statuses[choice % 4])
    elif name == "approved total":
        claim = Claim.objects.get(pk=line.claim_id)
        Claim.objects.filter(pk=claim.pk).update(approved_total=claim.approved_total + delta)
    elif name == "pay" and not PaymentLine.objects.filter(claim_line=line).exists():
        amount = ClaimLine.objects.get(pk=line.pk).amount + (delta if choice % 2 else ZERO)
        payment = Payment.objects.create(
            district_id=line.claim.district_id,
            reference=f"P-{line.pk}-{Payment.objects.count()}",
            paid_on=date(2022, 1, 5),
            amount=amount,
            created_by=admin,
        )
        PaymentLine.objects.create(payment=payment, claim_line=line, amount=amount)
    elif name == "pay claim":
        for each in ClaimLine.objects.filter(claim_id=line.claim_id, payment_line__isnull=True):
            breaks(world, "pay", lines.index(each), j, cents, 0)
        Claim.objects.filter(pk=line.claim_id).update(status=ClaimStatus.PAID)
    elif name in ("reverse", "recover") and commitment is not None and not hasattr(commitment, "reversed_by"):
        kind = EntryKind.REVERSAL if name == "reverse" else EntryKind.RECOVERY
        taken = commitment.amount - (delta if choice % 3 == 1 else ZERO)
        entry = LedgerEntry.objects.create(
            allocation_id=commitment.allocation_id,
            claim_line_id=commitment.claim_line_id,
            share=commitment.share,
            kind=kind,
            amount=-taken,
            reverses=commitment,
            reason="测试",
            rules_version="test",
            created_by=admin,
        )
        if name == "recover":
            owed = taken if choice % 2 else ZERO
            Recovery.objects.create(
                claim_line=other if choice % 3 == 2 else line,
                entry=entry,
                amount=commitment.amount,
                receivable=owed,
                rule="R3.4",
                reason="测试",
                status=RecoveryStatus.OUTSTANDING if owed else RecoveryStatus.NOTHING_DUE,
                created_by=admin,
            )
    elif name == "foreign" and commitment is not None:
        LedgerEntry.objects.filter(pk=commitment.pk).update(
            allocation=Allocation.objects.get(district_id=other.claim.district_id, year=other.claim.year)
        )
    elif name == "unbook" and commitment is not None and not hasattr(commitment, "reversed_by"):
        LedgerEntry.objects.filter(pk=commitment.pk).delete()


WRITE_ENTRIES_OR_PAYMENTS = {"entry amount", "pay", "pay claim", "reverse", "recover", "foreign", "unbook"}
BREAKS = [
    "entry amount",
    "line amount",
    "decision",
    "claim status",
    "approved total",
    "pay",
    "pay claim",
    "reverse",
    "recover",
    "foreign",
    "unbook",
]


def test_the_seeded_books_reconcile_both_ways(ledger):
    assert both(ledger) == [([], [])] * 4


@pytest.mark.parametrize(
    ("steps", "kinds"),
    [
        ([("entry amount", 0, 0, 150, 0)], {"ledger"}),  # ledger ≠ amount
        ([("line amount", 5, 0, 200, 0)], {"ledger", "claim"}),  # and the claim's total
        ([("decision", 9, 0, 0, 0)], {"ledger", "claim"}),  # booked though rejected
        ([("decision", 9, 0, 0, 1)], {"ledger", "claim"}),  # booked though pending
        ([("claim status", 3, 0, 0, 0)], {"ledger"}),  # booked though the claim is submitted
        ([("approved total", 3, 0, 7, 0)], {"claim"}),
        ([("pay", 2, 0, 0, 0)], set()),  # paid as booked: the claim has unpaid lines, approved
        ([("pay", 2, 0, 31, 1)], {"payment"}),  # paid ≠ net
        ([("pay claim", 6, 0, 0, 0)], set()),
        ([("pay", 6, 0, 0, 0), ("claim status", 6, 0, 0, 2)], {"claim"}),  # 已拨付 with unpaid lines
        ([("pay claim", 6, 0, 0, 0), ("claim status", 6, 0, 0, 1)], {"claim"}),  # all paid, not 已拨付
        ([("reverse", 1, 0, 0, 0)], {"ledger"}),  # approved, net 0
        ([("reverse", 1, 0, 0, 0), ("decision", 1, 0, 0, 0)], {"claim"}),
        ([("pay", 4, 0, 0, 0), ("recover", 4, 0, 0, 1), ("decision", 4, 0, 0, 0)], {"claim"}),
        ([("pay", 4, 0, 0, 0), ("recover", 4, 0, 0, 0), ("decision", 4, 0, 0, 0)], {"payment", "claim"}),
        ([("recover", 4, 0, 0, 3), ("decision", 4, 0, 0, 0)], {"recovery", "claim"}),  # unpaid, owed
        ([("pay", 4, 0, 0, 0), ("recover", 4, 0, 50, 4)], {"recovery", "payment", "ledger"}),  # mismatch
        ([("pay", 4, 0, 0, 0), ("recover", 4, 20, 0, 5)], {"recovery", "payment", "ledger"}),  # other line
        ([("foreign", 0, 8, 0, 0)], {"ledger"}),  # into another district's allocation
        ([("foreign", 0, 4, 0, 0)], set()),  # same district, another year: never listed
        ([("unbook", 11, 0, 0, 0)], {"ledger"}),
    ],
)
def test_each_way_of_breaking_the_books_is_found_as_before(ledger, steps, kinds):
    """A break that writes entries or payments behind the ledger services' back also leaves the
    allocations' kept totals (what the balances show) short of the entries: found as "balance"."""
    for step in steps:
        breaks(ledger, *step)
    found = both(ledger)
    for old, new in found:
        assert new == old
    behind_the_services = any(name in WRITE_ENTRIES_OR_PAYMENTS for name, *_ in steps)
    assert {d.kind for old, _ in found for d in old} == kinds | (
        {"balance"} if behind_the_services else set()
    )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(BREAKS),
            st.integers(0, 63),
            st.integers(0, 63),
            st.integers(1, 99_999),
            st.integers(0, 5),
        ),
        max_size=8,
    )
)
def test_any_broken_books_reconcile_as_the_line_by_line_reading_said(ledger, steps):
    with transaction.atomic():
        for step in steps:
            breaks(ledger, *step)
        for old, new in both(ledger):
            assert new == old
        transaction.set_rollback(True)


def test_the_reconciliation_reads_in_the_same_queries_however_much_differs(ledger):
    """Recoveries, the lines that differ, the claims that differ, the allocation, its foreign
    entries, its entries' sums and its kept totals, its redistributions (调剂): eight queries,
    whether nothing differs or
    every line and claim does (the line-by-line reading asked once more per booked claim)."""
    yuzhong = district(YUZHONG)
    with CaptureQueriesContext(connection) as clean:
        assert reconciliation(district=yuzhong, year=2021) == []
    for step in [("pay", 2, 0, 31, 1), ("foreign", 8, 0, 0, 0), ("recover", 1, 0, 50, 4)]:
        breaks(ledger, *step)
    ClaimLine.objects.filter(claim__district=yuzhong, claim__year=2021).update(amount=Decimal("0.25"))
    with CaptureQueriesContext(connection) as broken:
        found = reconciliation(district=yuzhong, year=2021)
    assert len(clean) == len(broken) == 8
    assert {d.kind for d in found} == {"ledger", "payment", "claim", "recovery", "balance"}
    assert len([d for d in found if d.line_id and d.kind == "ledger"]) == 17  # 16 lines, 1 foreign entry


# The pages: the same number of queries however many lines the district-year has ------------------


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_the_balances_page_reads_in_a_fixed_number_of_queries(
    client, ledger, django_assert_max_num_queries, role
):
    """The city side by side and one district's shares, whatever the number of lines: the page's
    figures are sums over the year's ledger entries (and their payments), never per line."""
    first = ledger["lines"][0]
    notice_over([line.pk for line in ledger["lines"] if line.claim_id == first.claim_id])
    payment_record(
        actor=ledger["admin"],
        district=first.claim.district,
        reference="P-2021-1",
        paid_on=date(2022, 1, 5),
        line_ids=[line.pk for line in ledger["lines"] if line.claim_id == first.claim_id],
    )
    user = (
        UserFactory(officer=True, username="officer.yuzhong", district=district(YUZHONG))
        if role == "officer"
        else ledger["admin"]
    )
    client.force_login(user)
    with django_assert_max_num_queries(20):
        response = client.get(f"/ledger/?district={YUZHONG}&year=2021")
    assert response.status_code == 200
    shares = {row.share: row for row in response.context["shares"]}
    paid = PaymentLine.objects.filter(claim_line__claim__district__code=YUZHONG, claim_line__claim__year=2021)
    assert sum((row.paid for row in shares.values()), ZERO) == paid.aggregate(t=Sum("amount"))["t"] > 0
    summary = {s.district.code: s for s in response.context["summaries"]}[YUZHONG]
    assert summary.paid == paid.aggregate(t=Sum("amount"))["t"]
