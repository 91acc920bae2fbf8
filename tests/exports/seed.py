"""A large, consistent special-account ledger written straight to the tables through
apps.core.bulk (COPY on PostgreSQL), for the query-budget tests, the integration test through a
real worker and benchmarks/export_ledger.py.

Every line is approved and booked once (one commitment of its amount) in its claim's district
and year; each claim's totals are the sum of its lines; allocations are large enough for every
share. So balances() equal the sums of the entries, and reconciliation() finds nothing.
Rows get explicit ids (no read-back of a million ids), and PostgreSQL's sequences are moved past
them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineDecision, Share
from apps.core.bulk import insert_rows
from apps.institutions.models import Institution, InstitutionKind, InstitutionStatus
from apps.ledger.models import Allocation, EntryKind, LedgerEntry
from apps.ledger.services import totals_rebuild
from apps.rules.identity import id_check_character, uscc_check_character
from apps.trainees.models import Person

LINES_PER_CLAIM = 100
PERSONS_PER_LINE = 4  # every person has about four lines
BATCH = 50_000  # rows per insert_rows call: one COPY each, a few MB of tuples
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国红梅玉文志海燕春"
ALLOCATION = Decimal("900000000000.00")
SHARE_ALLOCATION = Decimal("100000000000.00")


def _next_id(model: Any) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def line_amount(index: int) -> Decimal:
    """A deterministic amount between 1.00 and 3,000.00 yuan."""
    return Decimal((index * 7919) % 299_901 + 100).scaleb(-2)


def line_share(index: int) -> str:
    return (
        Share.LIVING_ALLOWANCE
        if index % 10 == 0
        else Share.WORK_FOR_TRAINING
        if index % 10 == 1
        else Share.TRAINING
    )


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _persons(first: int, count: int) -> Iterator[tuple[Any, ...]]:
    for k in range(count):
        birth = date(1960, 1, 1) + timedelta(days=k // 1000)
        body = f"500103{birth:%Y%m%d}{k % 1000:03d}"
        number = body + id_check_character(body)
        name = SURNAMES[k % len(SURNAMES)] + GIVEN[(k * 7) % len(GIVEN)] + GIVEN[(k * 13) % len(GIVEN)]
        yield (first + k, number, name, "M" if int(number[16]) % 2 else "F", birth, "", "")


def seed_ledger(
    *, rows: int, districts: Sequence[District], years: Sequence[int], actor: Any, batch: int = BATCH
) -> None:
    """`rows` ledger entries (with their claims, lines and persons) spread over every pair of
    `districts` × `years`, booked by `actor`, a claim at a time, in the claims' years."""
    pairs = [(d, y) for d in districts for y in years]
    allocations = {}
    institutions = {}
    for district in districts:
        body = f"52{district.code}{_next_id(Institution):09d}"
        institutions[district.pk] = Institution.objects.create(
            name=f"{district.name}基准测试职业培训学校",
            uscc=body + uscc_check_character(body),
            kind=InstitutionKind.DISTRICT_PRIVATE_SCHOOL,
            district=district,
            status=InstitutionStatus.RECOGNISED,
        ).pk
    for district, year in pairs:
        allocations[(district.pk, year)] = Allocation.objects.get_or_create(
            district=district,
            year=year,
            defaults={
                "amount": ALLOCATION,
                "work_for_training_share": SHARE_ALLOCATION,
                "living_allowance_share": SHARE_ALLOCATION,
            },
        )[0].pk

    persons = max(1, rows // PERSONS_PER_LINE)
    first_person = _next_id(Person)
    person_fields = ["id", "id_number", "name", "gender", "birth_date", "phone", "household_region"]
    for chunk in _batches(_persons(first_person, persons), batch):
        with transaction.atomic():
            insert_rows(Person, person_fields, chunk)

    first_claim, first_line, first_entry = _next_id(Claim), _next_id(ClaimLine), _next_id(LedgerEntry)
    claim_fields = [
        "id",
        "kind",
        "district",
        "year",
        "institution",
        "status",
        "total",
        "approved_total",
        "class_snapshot",
        "apprenticeship_stage",
        "recommendation",
        "submitted_at",
    ]
    line_fields = [
        "id",
        "claim",
        "person",
        "share",
        "inputs",
        "amount",
        "steps",
        "findings",
        "rules_version",
        "decision",
        "decision_rule",
        "decision_reason",
    ]
    entry_fields = [
        "id",
        "allocation",
        "claim_line",
        "share",
        "kind",
        "amount",
        "reason",
        "rules_version",
        "created_by",
        "created_at",
    ]
    claims_per_batch = max(1, batch // LINES_PER_CLAIM)
    claim_count = -(-rows // LINES_PER_CLAIM)
    tz = timezone.get_current_timezone()
    for start in range(0, claim_count, claims_per_batch):
        claims, lines, entries = [], [], []
        for c in range(start, min(start + claims_per_batch, claim_count)):
            district, year = pairs[c % len(pairs)]
            claim_id = first_claim + c
            booked_at = datetime(year, 3, 1, 9, tzinfo=tz) + timedelta(minutes=c)
            total = Decimal("0.00")
            for i in range(c * LINES_PER_CLAIM, min((c + 1) * LINES_PER_CLAIM, rows)):
                amount, share = line_amount(i), line_share(i)
                total += amount
                person = first_person + (i * 31) % persons
                lines.append(
                    (
                        first_line + i,
                        claim_id,
                        person,
                        share,
                        {},
                        amount,
                        [],
                        [],
                        "bench",
                        LineDecision.APPROVED,
                        "",
                        "",
                    )
                )
                entries.append(
                    (
                        first_entry + i,
                        allocations[(district.pk, year)],
                        first_line + i,
                        share,
                        EntryKind.COMMITMENT,
                        amount,
                        f"申领 #{claim_id} 审核通过",
                        "bench",
                        actor.pk,
                        booked_at + timedelta(seconds=i % LINES_PER_CLAIM),
                    )
                )
            claims.append(
                (
                    claim_id,
                    ClaimKind.CLASS_COMPLETION,
                    district.pk,
                    year,
                    institutions[district.pk],
                    ClaimStatus.APPROVED,
                    total,
                    total,
                    {},
                    "",
                    "",
                    booked_at - timedelta(days=7),
                )
            )
        with transaction.atomic():
            insert_rows(Claim, claim_fields, claims)
            insert_rows(ClaimLine, line_fields, lines)
            insert_rows(LedgerEntry, entry_fields, entries)
            totals_rebuild()  # the entries were written without the ledger services
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Person, Claim, ClaimLine, LedgerEntry]):
                cursor.execute(sql)
