"""The allocation totals as kept (models.AllocationTotal) and as the entries say they must be.

What each share of an allocation booked and paid is kept by the ledger services
(apps.ledger.services: `totals_book`, `totals_pay`, in the transaction that writes the entry or the
payment); what it must equal is defined once, here, by `totals_from_entries` (the sums over the
entries, each commitment with its line's payment): the reconciliation (R8.5) compares the two, the
money properties check it after every step, and `totals_rebuild` (manage.py ledger_totals_rebuild,
and after a bulk load that wrote entries with SQL) sets the totals to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import connection
from django.db.models import Sum

from apps.rules.money import FEN

from ..models import AllocationTotal, EntryKind

ZERO = Decimal("0.00")
Key = tuple[int, str]  # (allocation id, share)


@dataclass(frozen=True)
class Sums:
    booked: Decimal
    paid: Decimal


def totals_version(*, district_id: int, year: int) -> int:
    """The sum of the versions of the district-year's allocation totals (0 with no allocation):
    it grows with every change of a total (models.AllocationTotal.version)."""
    totals = AllocationTotal.objects.filter(allocation__district_id=district_id, allocation__year=year)
    found = totals.aggregate(v=Sum("version"))
    return int(found["v"] or 0)


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


def db_money(value: object) -> Decimal | None:
    """A sum as the database gives it: PostgreSQL's numeric as is, SQLite's float to two places;
    None stays None (no row summed)."""
    if value is None or isinstance(value, Decimal):
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
        (allocation, share): Sums(db_money(booked) or ZERO, db_money(paid) or ZERO)
        for allocation, share, booked, paid in rows
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
