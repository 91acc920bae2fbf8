"""A district's fund summary: the allocation and shares against balances(), the claims by
status, and the reconciliation's differences (R8.5)."""

from decimal import Decimal

import pytest

from apps.claims.models import Claim
from apps.core.errors import ApplicationError
from apps.exports.models import ExportJob
from apps.ledger.selectors.accounts import balances, reconciliation
from tests.factories import district, notice_over

from .conftest import WANZHOU, YUZHONG, export, open_workbook, sheet_rows, summary_table, summary_value, yuan

pytestmark = pytest.mark.django_db


def test_the_fund_summary_is_the_ledgers_balances_and_a_clean_reconciliation(world):
    job = export(world.users["officer"], kind="fund_summary", districts=(YUZHONG,), years=(2021,))
    assert job.file_name.startswith("渝中区2021年度专账资金概况_") and job.file_name.endswith(".xlsx")
    book = open_workbook(job)
    assert book.sheetnames == ["资金概况", "对账差异"]
    sheet = book["资金概况"]
    assert sheet["A1"].value == "渝中区 2021 年度职业技能提升行动专账资金概况"
    shares = summary_table(sheet, "资金类别")
    expected = balances(district=district(YUZHONG), year=2021)
    assert [r["资金类别"] for r in shares] == [b.label for b in expected] + ["合计"]
    for row, b in zip(shares, expected, strict=False):
        assert (yuan(row["年度额度（元）"]), yuan(row["已记账（元）"]), yuan(row["已拨付（元）"])) == (
            b.allocated,
            b.booked,
            b.paid,
        )
        assert yuan(row["剩余额度（元）"]) == b.remaining
    total = shares[-1]
    assert (yuan(total["年度额度（元）"]), yuan(total["已记账（元）"]), yuan(total["已拨付（元）"])) == (
        Decimal("100000.00"),
        Decimal("2535.00"),
        Decimal("1125.00"),
    )
    claims = summary_table(sheet, "申领状态")
    assert [(r["申领状态"], r["件数"], yuan(r["核定金额（元）"])) for r in claims] == [
        ("审核通过", 1, Decimal("2535.00")),
        ("合计", 1, Decimal("2535.00")),
    ]
    assert summary_value(sheet, "对账 (R8.5)") == "账实相符、账表相符：申领核定金额、台账净额与拨付金额一致。"
    assert sheet_rows(book["对账差异"]) == []


def test_every_difference_the_reconciliation_finds_is_listed(world):
    claim = world.claims["wanzhou_wft"]
    Claim.objects.filter(pk=claim.pk).update(approved_total=Decimal("1999.00"))  # the books disagree
    differences = reconciliation(district=district(WANZHOU), year=2021)
    assert differences
    job = export(world.users["auditor"], kind="fund_summary", districts=(WANZHOU,), years=(2021,))
    book = open_workbook(job)
    rows = sheet_rows(book["对账差异"])
    assert [(r["类别"], r["申领编号"], r["明细编号"], r["不一致之处"]) for r in rows] == [
        ({"ledger": "台账", "payment": "拨付", "claim": "申领"}[d.kind], d.claim_id, d.line_id, d.message)
        for d in differences
    ]
    assert (
        summary_value(book["资金概况"], "对账 (R8.5)")
        == f"发现 {len(differences)} 处不一致，逐条见“对账差异”工作表。"
    )


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"districts": (YUZHONG,)}, "years"), ({"years": (2021,)}, "districts"), ({}, "districts")],
)
def test_a_fund_summary_is_one_district_and_one_year(world, filters, field):
    with pytest.raises(ApplicationError) as exc:
        export(world.admin, kind="fund_summary", **filters)
    assert exc.value.field == field
    assert ExportJob.objects.count() == 0


# The reconciliation a summary reports (apps.ledger.services.reconciliation_for_summary) -----------


def _no_second_reading(monkeypatch):
    """Reading the books again fails the test: the summary must report the kept run."""

    def read(**_):
        raise AssertionError("the books were reconciled again")

    monkeypatch.setattr("apps.ledger.services.reconciliation", read)


def test_a_summary_keeps_its_reconciliation_and_the_next_reports_it_while_the_books_are_unchanged(
    world, monkeypatch
):
    from apps.ledger.models import Reconciliation, ReconciliationStatus

    officer = world.users["officer"]
    first = open_workbook(export(officer, kind="fund_summary", districts=(YUZHONG,), years=(2021,)))
    run = Reconciliation.objects.get()
    assert (run.status, run.requested_by, run.district.code, run.year) == (
        ReconciliationStatus.FINISHED,
        officer,
        YUZHONG,
        2021,
    )
    assert run.totals_version > 0
    said = summary_value(first["资金概况"], "对账时间")
    assert said.endswith(f"（{officer.get_full_name() or officer.username}，对账 #{run.pk}）")

    _no_second_reading(monkeypatch)
    again = open_workbook(
        export(world.users["auditor"], kind="fund_summary", districts=(YUZHONG,), years=(2021,))
    )
    assert Reconciliation.objects.count() == 1
    assert summary_value(again["资金概况"], "对账时间") == said
    assert summary_value(again["资金概况"], "对账 (R8.5)") == summary_value(first["资金概况"], "对账 (R8.5)")


def test_a_booking_or_payment_since_the_kept_run_reconciles_again(world):
    from datetime import date

    from apps.ledger.models import Reconciliation
    from apps.ledger.services import payment_record

    admin = world.users["admin"]
    export(admin, kind="fund_summary", districts=(YUZHONG,), years=(2021,))
    kept = Reconciliation.objects.get()
    unpaid = world.claims["yuzhong"].lines.get(person=world.persons["plus"])
    notice_over([unpaid.pk])
    payment_record(
        actor=admin,
        district=district(YUZHONG),
        reference="YZ-2021-002",
        paid_on=date(2021, 12, 28),
        line_ids=[unpaid.pk],
    )
    book = open_workbook(export(admin, kind="fund_summary", districts=(YUZHONG,), years=(2021,)))
    newer = Reconciliation.objects.exclude(pk=kept.pk).get()
    assert newer.totals_version > kept.totals_version
    assert summary_value(book["资金概况"], "对账时间").endswith(f"对账 #{newer.pk}）")
    # Another district-year's books are another matter: its own run.
    export(admin, kind="fund_summary", districts=(YUZHONG,), years=(2022,))
    assert Reconciliation.objects.filter(year=2022).count() == 1


def test_with_a_run_in_progress_the_summary_reconciles_without_keeping(world):
    from apps.ledger.models import Reconciliation, ReconciliationStatus

    queued = Reconciliation.objects.create(
        district=district(YUZHONG), year=2021, requested_by=world.users["admin"]
    )
    book = open_workbook(
        export(world.users["officer"], kind="fund_summary", districts=(YUZHONG,), years=(2021,))
    )
    assert list(Reconciliation.objects.values_list("pk", "status")) == [
        (queued.pk, ReconciliationStatus.QUEUED)
    ]
    assert (
        summary_value(book["资金概况"], "对账 (R8.5)")
        == "账实相符、账表相符：申领核定金额、台账净额与拨付金额一致。"
    )
    assert "对账时间" not in [row[0] for row in book["资金概况"].iter_rows(values_only=True)]


def test_a_change_behind_the_services_back_is_found_by_the_next_run_not_by_a_summary_of_the_kept_one(world):
    """What the kept run does not see: the books changed with SQL, not through the services (which
    change the totals' versions). The summary reports the kept run, with its time; the next run
    (nightly, or asked for on the page) finds the difference and the next summary reports it."""
    from apps.ledger.models import Reconciliation
    from apps.ledger.services import reconciliation_build

    export(world.users["admin"], kind="fund_summary", districts=(WANZHOU,), years=(2021,))
    Claim.objects.filter(pk=world.claims["wanzhou_wft"].pk).update(approved_total=Decimal("1999.00"))
    kept = open_workbook(
        export(world.users["auditor"], kind="fund_summary", districts=(WANZHOU,), years=(2021,))
    )
    assert summary_value(kept["资金概况"], "对账 (R8.5)").startswith("账实相符")
    nightly = Reconciliation.objects.create(district=district(WANZHOU), year=2021)
    reconciliation_build(run_id=nightly.pk)
    found = open_workbook(
        export(world.users["auditor"], kind="fund_summary", districts=(WANZHOU,), years=(2021,))
    )
    assert summary_value(found["资金概况"], "对账 (R8.5)").startswith("发现 1 处不一致")
    assert summary_value(found["资金概况"], "对账时间").endswith(f"（每日自动对账，对账 #{nightly.pk}）")
