"""The ledger export (台账): its rows, opened with openpyxl, against the ledger itself; the
summary's totals against balances() for the same districts and years (R8.5); filters; masking
per role; formula injection; the sheet split."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from apps.exports.models import ExportJob, ExportStatus
from apps.ledger.models import EntryKind, LedgerEntry
from apps.ledger.selectors.accounts import balances, reconciliation
from apps.rules import RULES_VERSION
from apps.trainees.models import Person
from tests.factories import district

from .conftest import (
    FULING,
    WANZHOU,
    YUZHONG,
    export,
    open_workbook,
    sheet_rows,
    summary_table,
    summary_value,
    yuan,
)

pytestmark = pytest.mark.django_db
HEADERS = [
    "记账编号",
    "记账时间",
    "区县",
    "资金年度",
    "资金类别",
    "类型",
    "金额（元）",
    "冲销的记账编号",
    "申领编号",
    "申领类型",
    "申领状态",
    "申领单位",
    "明细编号",
    "学员姓名",
    "身份证号码",
    "说明",
    "记账人",
    "规则版本",
]


def _detail(book):
    return [row for sheet in book.worksheets if sheet.title.startswith("台账") for row in sheet_rows(sheet)]


def test_auditor_exports_the_2021_ledgers_of_two_districts_and_the_totals_match_the_ledger(world):
    """The issue's "done when": filter, export, open, and every total agrees with the ledger."""
    auditor = world.users["auditor"]
    job = export(auditor, districts=(YUZHONG, WANZHOU), years=(2021,))
    assert (job.status, job.row_count, job.total_rows) == (ExportStatus.FINISHED, 6, 6)
    book = open_workbook(job)
    assert book.sheetnames == ["汇总与对账", "台账"]
    sheet = book["台账"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    rows = sheet_rows(sheet)
    expected = LedgerEntry.objects.filter(
        allocation__district__code__in=[YUZHONG, WANZHOU], allocation__year=2021
    ).order_by("created_at", "pk")
    assert [r["记账编号"] for r in rows] == [e.pk for e in expected]
    assert sum(yuan(r["金额（元）"]) for r in rows) == Decimal("4535.00")

    summary = book["汇总与对账"]
    assert (
        summary_value(summary, "导出条件")
        == "区县：渝中区、万州区；年度：2021；类型：全部；资金类别：全部；申领状态：全部"
    )
    assert summary_value(summary, "明细行数") == 6
    assert summary_value(summary, "明细工作表") == "台账"
    table = summary_table(summary)
    by_key = {(r["区县"], r["资金年度"], r["资金类别"]): r for r in table[:-1]}
    assert len(by_key) == 6  # two districts × three shares
    for code in (YUZHONG, WANZHOU):
        where = district(code)
        assert reconciliation(district=where, year=2021) == []
        for b in balances(district=where, year=2021):
            row = by_key[(where.name, 2021, b.label)]
            exported = sum(
                (yuan(r["金额（元）"]) for r in rows if (r["区县"], r["资金类别"]) == (where.name, b.label)),
                Decimal("0.00"),
            )
            assert yuan(row["本次导出金额（元）"]) == exported == b.booked
            assert yuan(row["年度额度（元）"]) == b.allocated
            assert yuan(row["台账净额（元）"]) == b.booked
            assert yuan(row["已拨付（元）"]) == b.paid
            assert yuan(row["剩余额度（元）"]) == b.remaining
            assert yuan(row["差额（元）"]) == 0
    total = table[-1]
    assert total["区县"] == "合计"
    assert (total["本次导出笔数"], yuan(total["本次导出金额（元）"])) == (6, Decimal("4535.00"))
    assert (yuan(total["台账净额（元）"]), yuan(total["已拨付（元）"])) == (
        Decimal("4535.00"),
        Decimal("3125.00"),
    )


def test_each_entry_written_with_its_values_types_and_formats(world):
    job = export(world.admin, districts=(WANZHOU,), years=(2021,))
    sheet = open_workbook(job)["台账"]
    rows = sheet_rows(sheet)
    reversal = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    commitment = reversal.reverses
    claim = world.claims["wanzhou_class"]
    row = next(r for r in rows if r["记账编号"] == reversal.pk)
    assert row == {
        "记账编号": reversal.pk,
        "记账时间": row["记账时间"],
        "区县": "万州区",
        "资金年度": 2021,
        "资金类别": "培训补贴",
        "类型": "冲销",
        "金额（元）": -2000,
        "冲销的记账编号": commitment.pk,
        "申领编号": claim.pk,
        "申领类型": "培训机构结业补贴",
        "申领状态": "审核通过",
        "申领单位": claim.institution.name,
        "明细编号": reversal.claim_line_id,
        "学员姓名": "陈七",
        "身份证号码": world.persons["chen"].id_number,
        "说明": "'=冲销：签到表造假",
        "记账人": str(world.admin),
        "规则版本": RULES_VERSION,  # stamped by the approval's quote
    }
    # Excel keeps milliseconds: the booking time is the local wall-clock time to the millisecond.
    local = timezone.localtime(reversal.created_at).replace(tzinfo=None)
    assert abs(row["记账时间"] - local).total_seconds() < 0.001
    cells = {c.value: c.column for c in sheet[1]}
    data_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == reversal.pk)
    assert data_row[cells["金额（元）"] - 1].number_format == "#,##0.00"
    assert data_row[cells["记账时间"] - 1].number_format == "yyyy-mm-dd hh:mm:ss"
    assert isinstance(data_row[cells["记账时间"] - 1].value, datetime)
    assert sheet.column_dimensions["L"].width > 30  # 申领单位


def test_every_export_of_every_role_neutralises_text_that_could_start_a_formula(world):
    job = export(world.admin)
    book = open_workbook(job)
    names = {r["学员姓名"] for r in _detail(book)}
    assert {"'=1+2", "'+张三", "'@李四", "'-赵六", "陈七"} <= names
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in {"=", "+", "-", "@", "\t", "\r"}, cell.coordinate


@pytest.mark.parametrize(
    ("role", "masked", "districts"),
    [
        ("admin", False, {"渝中区", "万州区", "涪陵区"}),
        ("auditor", True, {"渝中区", "万州区", "涪陵区"}),
        ("officer", False, {"渝中区"}),
        ("officer_wanzhou", False, {"万州区"}),
    ],
)
def test_each_role_exports_its_scope_with_id_numbers_masked_unless_it_needs_them(
    world, role, masked, districts
):
    job = export(world.users[role])
    book = open_workbook(job)
    rows = _detail(book)
    assert {r["区县"] for r in rows} == districts
    numbers = dict(Person.objects.values_list("name", "id_number"))
    for r in rows:
        full = numbers[r["学员姓名"].removeprefix("'")]
        assert r["身份证号码"] == (f"{full[:4]}{'*' * 10}{full[-4:]}" if masked else full)
    assert summary_value(book["汇总与对账"], "身份证号码") == (
        "已脱敏（中间 10 位以 * 代替）" if masked else "完整显示"
    )


def test_an_officer_asking_for_another_district_gets_404_and_nothing_is_logged(world):
    with pytest.raises(Http404):
        export(world.users["officer"], districts=(WANZHOU,))
    assert ExportJob.objects.count() == 0


def test_a_filter_that_leaves_entries_out_shows_them_as_the_difference(world):
    job = export(world.users["auditor"], districts=(WANZHOU,), years=(2021,), kinds=(EntryKind.COMMITMENT,))
    book = open_workbook(job)
    assert [r["类型"] for r in _detail(book)] == ["审核通过记账"] * 3
    training = next(r for r in summary_table(book["汇总与对账"]) if r["资金类别"] == "培训补贴")
    assert yuan(training["本次导出金额（元）"]) == Decimal("2000.00")
    assert yuan(training["台账净额（元）"]) == Decimal("0.00")
    assert yuan(training["差额（元）"]) == Decimal("-2000.00")  # the reversal the filter left out


@pytest.mark.parametrize(
    ("filters", "claims"),
    [
        ({"statuses": ("paid",)}, {"wanzhou_wft"}),
        ({"shares": ("living_allowance",)}, {"yuzhong_2022"}),
        ({"years": (2022,)}, {"yuzhong_2022"}),
        ({"districts": (FULING,)}, {"fuling"}),
        ({"kinds": ("reversal",)}, {"wanzhou_class"}),
    ],
)
def test_filters(world, filters, claims):
    rows = _detail(open_workbook(export(world.admin, **filters)))
    assert {r["申领编号"] for r in rows} == {world.claims[name].pk for name in claims}


def test_dates_bound_the_booking_day_in_chongqing_time_both_ends_included(world):
    entry = LedgerEntry.objects.get(claim_line__claim=world.claims["fuling"])
    # 2021-06-15 23:30 in Chongqing is 15:30 UTC: the day is Chongqing's.
    LedgerEntry.objects.filter(pk=entry.pk).update(
        created_at=timezone.make_aware(datetime(2021, 6, 15, 23, 30))
    )
    one_day = export(
        world.admin, date_from=datetime(2021, 6, 15).date(), date_to=datetime(2021, 6, 15).date()
    )
    assert [r["记账编号"] for r in _detail(open_workbook(one_day))] == [entry.pk]
    assert "记账日期：2021-06-15 至 2021-06-15" in one_day.description
    before = export(world.admin, date_to=datetime(2021, 6, 14).date())
    assert before.row_count == 0
    after = export(world.admin, date_from=datetime(2021, 6, 16).date())
    assert after.row_count == 7


def test_a_new_sheet_every_export_sheet_row_limit_rows(world, settings):
    settings.EXPORT_SHEET_ROW_LIMIT = 3  # a header and two entries per sheet
    job = export(world.admin)
    book = open_workbook(job)
    assert book.sheetnames == ["汇总与对账", "台账", "台账 (2)", "台账 (3)", "台账 (4)"]
    for name in book.sheetnames[1:]:
        assert [c.value for c in book[name][1]] == HEADERS
        assert book[name].freeze_panes == "A2"
        assert book[name].max_row == 3
    rows = _detail(book)
    assert [r["记账编号"] for r in rows] == list(
        LedgerEntry.objects.order_by("created_at", "pk").values_list("pk", flat=True)
    )
    assert summary_value(book["汇总与对账"], "明细工作表") == "台账、台账 (2)、台账 (3)、台账 (4)"
    total = summary_table(book["汇总与对账"])[-1]
    assert total["本次导出笔数"] == 8 and yuan(total["差额（元）"]) == 0


def test_named_districts_and_years_without_entries_still_show_the_ledger(world):
    job = export(world.admin, districts=(FULING,), years=(2022,))
    table = summary_table(open_workbook(job)["汇总与对账"])
    assert [(r["区县"], r["资金年度"], r["资金类别"], r["本次导出笔数"]) for r in table[:-1]] == [
        ("涪陵区", 2022, "培训补贴", 0),
        ("涪陵区", 2022, "以工代训", 0),
        ("涪陵区", 2022, "生活费补贴", 0),
    ]
    assert job.row_count == 0
