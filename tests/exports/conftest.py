"""The exports' world, built through the claims' and the ledger's own services:

- 渝中区 2021: a class claim with lines for "=1+2" (1125.00) and "+张三" (1410.00) approved and a
  third (0.00) rejected with a reason beginning with "-"; the "=1+2" line paid.
- 万州区 2021: an enterprise 以工代训 claim for "@李四" (500.00) and "-赵六" (1500.00), paid in
  full; a class claim for 陈七 (2000.00), booked then reversed with a reason beginning with "=".
- 渝中区 2022: a living-allowance line (300.00); 涪陵区 2021: a class line (900.00).

Eight ledger entries in all, six of them in the 2021 ledgers of 渝中区 and 万州区.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.claims.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineDecision, Share
from apps.claims.services.review import claim_line_decide
from apps.exports.filters import ExportFilter
from apps.exports.services import export_open, export_request
from apps.exports.tasks import export_run
from apps.ledger.models import EntryKind, LedgerEntry
from apps.ledger.services import allocation_set, claim_approve, entry_reverse, payment_record
from tests.claims.conftest import id_number
from tests.factories import (
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    UserFactory,
    district,
    notice_over,
    quoted_inputs,
)

YUZHONG, WANZHOU, FULING = "500103", "500101", "500102"
STEPS = [
    {"rule": "R1.5", "text": "计划课时", "arithmetic": "floor(2500 × 6 / 180) = 83", "amount": None},
    {"rule": "R2.4", "text": "线下培训补贴", "arithmetic": "180 × 37.5 / 6", "amount": "1125.00"},
]
FINDINGS = [{"rule": "R2.6", "severity": "W", "message": "=考核结果待核", "scope": "line"}]


@pytest.fixture(autouse=True)
def export_files(settings, tmp_path):
    """Each test's workbooks in its own directory (the in-memory default storage outlives a test)."""
    settings.EXPORT_STORAGE_ROOT = str(tmp_path / "exports")


@pytest.fixture
def sent(monkeypatch):
    """The ids of the export tasks sent to the broker, recorded instead of sent: the test runs
    the task itself (a real worker runs it in tests/integration)."""
    calls: list[int] = []
    monkeypatch.setattr(export_run, "delay", calls.append)
    return calls


@dataclass
class World:
    users: dict[str, Any]
    claims: dict[str, Claim]
    persons: dict[str, Any]

    @property
    def admin(self) -> Any:
        return self.users["admin"]


def _person(name: str, serial: str) -> Any:
    from apps.trainees.models import Person

    number = id_number("500103", "19900101", serial)
    return Person.objects.create(id_number=number, name=name, gender="M", birth_date=date(1990, 1, 1))


def _claim(
    *,
    admin: Any,
    code: str,
    year: int,
    kind: str,
    lines: list[tuple[Any, str, str]],
    employer: bool = False,
) -> Claim:
    """A submitted claim with the given (person, amount, share) lines, decided and approved by
    the municipal admin through the services (zero lines rejected), so the ledger books it."""
    where = district(code)
    claimant = (
        {"employer": NumberedEmployerFactory(district=where)}
        if employer
        else {"institution": NumberedInstitutionFactory(district=where)}
    )
    total = sum((Decimal(amount) for _, amount, _ in lines), Decimal("0.00"))
    claim = Claim.objects.create(
        kind=kind,
        district=where,
        year=year,
        status=ClaimStatus.SUBMITTED,
        total=total,
        submitted_at=timezone.make_aware(datetime(year, 5, 10, 9, 30)),
        **claimant,
    )
    for number, (who, amount, share) in enumerate(lines):
        ClaimLine.objects.create(
            claim=claim,
            person=who,
            share=share,
            inputs=quoted_inputs(amount),
            training_key=f"test:{claim.pk}:{number}",
            amount=Decimal(amount),
            steps=STEPS,
            findings=FINDINGS if Decimal(amount) == 0 else [],
            rules_version="test-rules",
            start=date(year, 4, 1),
            end=date(year, 4, 30),
        )
    for line in claim.lines.order_by("pk"):
        if line.amount:
            claim_line_decide(line=line, actor=admin, decision=LineDecision.APPROVED)
        else:
            claim_line_decide(
                line=line, actor=admin, decision=LineDecision.REJECTED, rule="R2.6", reason="-考核不合格"
            )
    return claim_approve(claim=claim, actor=admin)


@pytest.fixture
def world(db) -> World:
    users = {
        "admin": UserFactory(municipal_admin=True, username="admin"),
        "auditor": UserFactory(auditor=True, username="auditor"),
        "officer": UserFactory(officer=True, username="officer.yuzhong"),
        "officer_wanzhou": UserFactory(officer=True, username="officer.wanzhou", district=district(WANZHOU)),
        "reviewer": UserFactory(reviewer=True, username="reviewer", engaged=[district(YUZHONG)]),
        "operator": UserFactory(operator=True, username="school"),
        "filer": UserFactory(filer=True, username="enterprise"),
    }
    admin = users["admin"]
    for code, year, amount in ((YUZHONG, 2021, "100000"), (WANZHOU, 2021, "80000"), (YUZHONG, 2022, "50000")):
        allocation_set(
            actor=admin,
            district=district(code),
            year=year,
            amount=Decimal(amount),
            work_for_training_share=Decimal("20000"),
            living_allowance_share=Decimal("10000"),
        )
    allocation_set(actor=admin, district=district(FULING), year=2021, amount=Decimal("30000"))
    persons = {
        "equals": _person("=1+2", "001"),
        "plus": _person("+张三", "002"),
        "plain": _person("王五", "003"),
        "at": _person("@李四", "004"),
        "minus": _person("-赵六", "005"),
        "chen": _person("陈七", "006"),
    }
    training, wft, living = Share.TRAINING, Share.WORK_FOR_TRAINING, Share.LIVING_ALLOWANCE
    claims = {
        "yuzhong": _claim(
            admin=admin,
            code=YUZHONG,
            year=2021,
            kind=ClaimKind.CLASS_COMPLETION,
            lines=[
                (persons["equals"], "1125.00", training),
                (persons["plus"], "1410.00", training),
                (persons["plain"], "0.00", training),
            ],
        ),
        "wanzhou_wft": _claim(
            admin=admin,
            code=WANZHOU,
            year=2021,
            kind=ClaimKind.WORK_FOR_TRAINING,
            lines=[(persons["at"], "500.00", wft), (persons["minus"], "1500.00", wft)],
            employer=True,
        ),
        "wanzhou_class": _claim(
            admin=admin,
            code=WANZHOU,
            year=2021,
            kind=ClaimKind.CLASS_COMPLETION,
            lines=[(persons["chen"], "2000.00", training)],
        ),
        "yuzhong_2022": _claim(
            admin=admin,
            code=YUZHONG,
            year=2022,
            kind=ClaimKind.LIVING_ALLOWANCE,
            lines=[(persons["equals"], "300.00", living)],
        ),
        "fuling": _claim(
            admin=admin,
            code=FULING,
            year=2021,
            kind=ClaimKind.CLASS_COMPLETION,
            lines=[(persons["plus"], "900.00", training)],
        ),
    }
    entry = LedgerEntry.objects.get(claim_line__claim=claims["wanzhou_class"], kind=EntryKind.COMMITMENT)
    entry_reverse(entry=entry, actor=admin, reason="=冲销：签到表造假")
    notice_over(claims["wanzhou_wft"].lines.values_list("pk", flat=True))
    notice_over([claims["yuzhong"].lines.get(person=persons["equals"]).pk])
    payment_record(
        actor=admin,
        district=district(WANZHOU),
        reference="WZ-2021-001",
        paid_on=date(2021, 12, 20),
        line_ids=list(claims["wanzhou_wft"].lines.values_list("pk", flat=True)),
    )
    payment_record(
        actor=admin,
        district=district(YUZHONG),
        reference="YZ-2021-001",
        paid_on=date(2021, 12, 21),
        line_ids=[claims["yuzhong"].lines.get(person=persons["equals"]).pk],
    )
    for claim in claims.values():
        claim.refresh_from_db()
    return World(users, claims, persons)


def export(user: Any, kind: str = "ledger", **filters: Any) -> Any:
    """Run an export as `user` (small: written at once) and return the finished job."""
    return export_request(actor=user, kind=kind, filters=ExportFilter(**filters))


def open_workbook(job: Any) -> Any:
    with export_open(job=job) as handle:
        return load_workbook(io.BytesIO(handle.read()))


def sheet_rows(sheet: Any) -> list[dict[str, Any]]:
    """A detail sheet's rows as {header: value}."""
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def summary_table(sheet: Any, first_header: str = "区县") -> list[dict[str, Any]]:
    """The table of a summary sheet under the header row that starts with `first_header`, up to
    the blank line after its total row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == first_header)
    header = rows[start]
    table = []
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        table.append(dict(zip(header, row, strict=True)))
    return table


def summary_value(sheet: Any, label: str) -> Any:
    return next(row[1] for row in sheet.iter_rows(values_only=True) if row[0] == label)


def yuan(value: Any) -> Decimal:
    """A cell's number as the Decimal it was written from (Excel stores the decimal text)."""
    return Decimal(str(value)).quantize(Decimal("0.01"))
