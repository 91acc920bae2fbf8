"""The allocation totals (models.AllocationTotal): per allocation and share, what is booked and
paid, kept in step with the entries and payments so no page sums a year's entries to show them.

The ledger services call `totals_book` right after writing entries and `totals_pay` right after
writing payment lines, in the same transaction: the totals can never be ahead of or behind what is
committed. Both add with one UPDATE … SET booked = booked + x per (allocation, share), which also
serialises two transactions booking on the same share (a row lock held to commit).

What the totals must equal is defined once, by `totals_from_entries` (the sums over the entries,
each commitment with its line's payment): the reconciliation (R8.5) compares the two, the money
properties check it after every step, and `totals_rebuild` (manage.py ledger_totals_rebuild, and
after a bulk load that wrote entries with SQL) sets the totals to it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import connection, transaction
from django.db.models import F

from apps.rules.money import FEN

from .models import AllocationTotal, EntryKind, LedgerEntry, PaymentLine

ZERO = Decimal("0.00")
Key = tuple[int, str]  # (allocation id, share)


@dataclass(frozen=True)
class Sums:
    booked: Decimal
    paid: Decimal


def _add(booked: dict[Key, Decimal], paid: dict[Key, Decimal]) -> None:
    keys = sorted(set(booked) | set(paid))  # one order for every writer: no deadlock between two
    if not keys:
        return
    AllocationTotal.objects.bulk_create(
        [AllocationTotal(allocation_id=allocation, share=share) for allocation, share in keys],
        ignore_conflicts=True,
    )
    for key in keys:
        allocation, share = key
        AllocationTotal.objects.filter(allocation_id=allocation, share=share).update(
            booked=F("booked") + booked.get(key, ZERO), paid=F("paid") + paid.get(key, ZERO)
        )


def totals_book(entries: Iterable[LedgerEntry]) -> None:
    """Entries just written (commitments, reversals, recoveries) join their allocation's totals. A
    commitment on a line that is already paid brings the payment with it, as `totals_from_entries`
    counts it."""
    entries = list(entries)
    booked: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        booked[(entry.allocation_id, entry.share)] += entry.amount
    commitments = {e.claim_line_id: e for e in entries if e.kind == EntryKind.COMMITMENT}
    paid: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    if commitments:
        for line_id, amount in PaymentLine.objects.filter(claim_line_id__in=commitments).values_list(
            "claim_line_id", "amount"
        ):
            entry = commitments[line_id]
            paid[(entry.allocation_id, entry.share)] += amount
    _add(booked, paid)


def totals_pay(payment_lines: Iterable[PaymentLine]) -> None:
    """Payment lines just written join the totals of the allocations their lines are committed in."""
    amounts = {p.claim_line_id: p.amount for p in payment_lines}
    paid: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for allocation, share, line_id in LedgerEntry.objects.filter(
        claim_line_id__in=amounts, kind=EntryKind.COMMITMENT
    ).values_list("allocation_id", "share", "claim_line_id"):
        paid[(allocation, share)] += amounts[line_id]
    _add({}, paid)


def totals_of(allocation_ids: Iterable[int] | None) -> dict[Key, Sums]:
    """(allocation id, share) → booked and paid, as kept (for the allocations given or all of
    them): one indexed read."""
    rows = AllocationTotal.objects.all()
    if allocation_ids is not None:
        ids = list(allocation_ids)
        if not ids:
            return {}
        rows = rows.filter(allocation_id__in=ids)
    return {
        (allocation, share): Sums(booked, paid)
        for allocation, share, booked, paid in rows.values_list(
            "allocation_id", "share", "booked", "paid"
        ).order_by()
    }


# What allocations booked (commitments less reversals and recoveries) and paid, per share: one
# pass over their entries (index ledger_entry_allocation_sums, from the index alone), each
# commitment with its line's payment. A line is paid only once it is booked, and booked once, in
# the allocation of its claim's district and year (R8.2), so what is paid of an allocation is the
# payments of its commitments, never a walk over the lines of the district's claims.
_FROM_ENTRIES = """
SELECT e.allocation_id, e.share, SUM(e.amount), SUM(CASE WHEN e.kind = %s THEN p.amount END)
FROM ledger_ledgerentry e
LEFT JOIN ledger_paymentline p ON p.claim_line_id = e.claim_line_id
{where}
GROUP BY e.allocation_id, e.share
"""
_FLOATS = Context(prec=15)


def _money(value: object) -> Decimal:
    """A sum as the database gives it: PostgreSQL's numeric as is, SQLite's float to two places."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    return _FLOATS.create_decimal_from_float(float(value)).quantize(FEN)  # type: ignore[arg-type]


def totals_from_entries(allocation_ids: Iterable[int] | None = None) -> dict[Key, Sums]:
    """(allocation id, share) → booked and paid, summed from the entries and payments (what the
    kept totals must equal), for the allocations given or all of them."""
    ids = None if allocation_ids is None else list(allocation_ids)
    if ids == []:
        return {}
    where = "" if ids is None else "WHERE e.allocation_id IN ({})".format(", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(_FROM_ENTRIES.format(where=where), [EntryKind.COMMITMENT.value, *(ids or ())])  # nosec B608  # placeholders only
        rows = cursor.fetchall()
    return {
        (allocation, share): Sums(_money(booked), _money(paid)) for allocation, share, booked, paid in rows
    }


def totals_differences(allocation_ids: Iterable[int] | None = None) -> list[tuple[Key, Sums, Sums]]:
    """Where the kept totals are not the sums of the entries: (key, kept, summed), in key order."""
    ids = None if allocation_ids is None else list(allocation_ids)
    summed = totals_from_entries(ids)
    kept = totals_of(ids)
    empty = Sums(ZERO, ZERO)
    return [
        (key, kept.get(key, empty), summed.get(key, empty))
        for key in sorted(set(summed) | set(kept))
        if kept.get(key, empty) != summed.get(key, empty)
    ]


@transaction.atomic
def totals_rebuild(allocation_ids: Iterable[int] | None = None) -> int:
    """Set the totals of the allocations given (or all) to the sums of their entries; the number of
    (allocation, share) totals that changed. Locks the totals it rewrites."""
    ids = None if allocation_ids is None else list(allocation_ids)
    changed = totals_differences(ids)
    for (allocation, share), _, summed in changed:
        AllocationTotal.objects.update_or_create(
            allocation_id=allocation, share=share, defaults={"booked": summed.booked, "paid": summed.paid}
        )
    return len(changed)
