"""The claim-lines export: every line with its steps, findings, decision, ledger net and
payment, opened with openpyxl; its summary against the ledger; masking; injection."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.claims.models import ClaimKind, ClaimLine
from apps.ledger.selectors.accounts import balances
from apps.rules import RULES_VERSION
from tests.factories import district

from .conftest import WANZHOU, YUZHONG, export, open_workbook, sheet_rows, summary_table, summary_value, yuan

pytestmark = pytest.mark.django_db


def _lines(job):
    book = open_workbook(job)
    return book, [
        row for sheet in book.worksheets if sheet.title.startswith("申领明细") for row in sheet_rows(sheet)
    ]


def test_each_line_with_its_steps_findings_decision_ledger_net_and_payment(world):
    job = export(world.admin, kind="claim_lines", districts=(YUZHONG,), years=(2021,))
    book, rows = _lines(job)
    assert book.sheetnames == ["汇总与对账", "申领明细"]
    assert book["申领明细"].freeze_panes == "A2"
    claim = world.claims["yuzhong"]
    assert [r["明细编号"] for r in rows] == list(claim.lines.order_by("pk").values_list("pk", flat=True))
    paid, unpaid, rejected = rows
    line = ClaimLine.objects.get(pk=paid["明细编号"])
    assert paid == {
        "申领编号": claim.pk,
        "申领类型": "培训机构结业补贴",
        "区县": "渝中区",
        "资金年度": 2021,
        "申领单位": claim.institution.name,
        "申领状态": "审核通过",
        "提交时间": datetime(2021, 5, 10, 9, 30),
        "明细编号": line.pk,
        "学员姓名": "'=1+2",
        "身份证号码": world.persons["equals"].id_number,
        "资金类别": "培训补贴",
        "开始日期": datetime(2021, 4, 1),
        "结束日期": datetime(2021, 4, 30),
        "测算金额（元）": 1125,
        "审核结论": "通过",
        "理由规则": None,
        "审核理由": None,
        "审核人": str(world.admin),
        "审核时间": paid["审核时间"],
        # Approval quoted the line again (apps.claims.services.entitlement): the engine's steps and version.
        "计算步骤": "1. R8.1 线下 6 课时 = 1 天 × 1125.00 元：1125.00 × 6 ÷ 6 = 1125.00 = 1125.00 元",
        "校验结果": None,
        "规则版本": RULES_VERSION,
        "台账净额（元）": 1125,
        "已拨付（元）": 1125,
    }
    assert (
        abs(paid["审核时间"] - timezone.localtime(line.decided_at).replace(tzinfo=None)).total_seconds()
        < 0.001
    )
    assert (yuan(unpaid["台账净额（元）"]), unpaid["已拨付（元）"]) == (Decimal("1410.00"), None)
    assert (rejected["审核结论"], rejected["理由规则"], rejected["审核理由"]) == (
        "不予补贴",
        "R2.6",
        "'-考核不合格",
    )
    assert rejected["校验结果"] == "R2.6 [W] =考核结果待核"
    assert yuan(rejected["台账净额（元）"]) == Decimal("0.00")
    sheet = book["申领明细"]
    assert sheet["T2"].alignment.wrap_text  # 计算步骤, several lines
    assert sheet["L2"].number_format == "yyyy-mm-dd" and sheet["N2"].number_format == "#,##0.00"


def test_the_summary_sets_the_lines_against_the_ledger(world):
    job = export(world.users["auditor"], kind="claim_lines", districts=(YUZHONG, WANZHOU), years=(2021,))
    book, rows = _lines(job)
    assert job.row_count == len(rows) == 6
    table = summary_table(book["汇总与对账"])
    by_key = {(r["区县"], r["资金类别"]): r for r in table[:-1]}
    for code in (YUZHONG, WANZHOU):
        where = district(code)
        for b in balances(district=where, year=2021):
            row = by_key[(where.name, b.label)]
            mine = [r for r in rows if (r["区县"], r["资金类别"]) == (where.name, b.label)]
            assert row["明细数"] == len(mine)
            assert yuan(row["测算金额（元）"]) == sum(
                (yuan(r["测算金额（元）"]) for r in mine), Decimal("0.00")
            )
            approved = [r for r in mine if r["审核结论"] == "通过"]
            assert yuan(row["核定通过金额（元）"]) == sum(
                (yuan(r["测算金额（元）"]) for r in approved), Decimal(0)
            )
            assert yuan(row["本次明细台账净额（元）"]) == b.booked
            assert yuan(row["本次明细已拨付（元）"]) == b.paid
            assert yuan(row["区县年度台账净额（元）"]) == b.booked
            assert yuan(row["区县年度已拨付（元）"]) == b.paid
            assert yuan(row["未在本次导出的台账净额（元）"]) == 0
    # 万州区's reversed class line: claimed 2000.00, not approved any more, nothing booked.
    training = by_key[("万州区", "培训补贴")]
    assert (yuan(training["测算金额（元）"]), yuan(training["核定通过金额（元）"])) == (Decimal("2000.00"), 0)


def test_auditors_see_id_numbers_masked(world):
    _, rows = _lines(export(world.users["auditor"], kind="claim_lines"))
    number = world.persons["equals"].id_number
    assert {r["身份证号码"] for r in rows if r["学员姓名"] == "'=1+2"} == {
        f"{number[:4]}{'*' * 10}{number[-4:]}"
    }


def test_filters_by_claim_kind_status_and_submission_date(world):
    _, rows = _lines(export(world.admin, kind="claim_lines", kinds=(ClaimKind.WORK_FOR_TRAINING,)))
    assert {r["申领编号"] for r in rows} == {world.claims["wanzhou_wft"].pk}
    _, rows = _lines(export(world.admin, kind="claim_lines", statuses=("paid",)))
    assert {r["申领编号"] for r in rows} == {world.claims["wanzhou_wft"].pk}
    job = export(world.admin, kind="claim_lines", date_from=date(2022, 5, 10), date_to=date(2022, 5, 10))
    _, rows = _lines(job)
    assert {r["申领编号"] for r in rows} == {world.claims["yuzhong_2022"].pk}
    assert "申领提交日期：2022-05-10 至 2022-05-10" in job.description


def test_lines_split_over_sheets_and_the_summary_says_where(world, settings):
    settings.EXPORT_SHEET_ROW_LIMIT = 4
    job = export(world.admin, kind="claim_lines")
    book, rows = _lines(job)
    assert book.sheetnames == ["汇总与对账", "申领明细", "申领明细 (2)", "申领明细 (3)"]
    assert len(rows) == 8
    assert summary_value(book["汇总与对账"], "明细工作表") == "申领明细、申领明细 (2)、申领明细 (3)"
