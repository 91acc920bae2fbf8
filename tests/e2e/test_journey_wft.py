"""Journeys of an enterprise's 以工代训 claims (R3): a roster of 500 workers filled in the
downloaded template and uploaded (then a file with errors in several rows: every error listed at
once by row and column, nothing created); and a draft edited by its owner, the total and the
history following, its funding year worked out from the months. Through the UI only, every page
scanned with axe-core."""

import pytest

from apps.claims.models import Claim, ClaimKind, ClaimStatus
from apps.core.models import StateChange
from apps.trainees.models import Person
from tests.claims.conftest import id_number
from tests.factories import numbered

from .conftest import workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _worker_id(n: int) -> str:
    """500 valid GB 11643 numbers: born on one of 28 days of 1985, serials 001–…"""
    return id_number("500101", f"1985{n % 12 + 1:02d}{n % 28 + 1:02d}", f"{n:03d}")


def _fill_and_upload(company, tmp_path, name, rows):
    """The template as downloaded from the page, filled with openpyxl, uploaded."""
    with company.page.expect_download() as info:
        company.page.get_by_role("link", name="下载人员名单模板 (.xlsx)").click()
    book, text = workbook(info.value)
    assert "填写说明" in book.sheetnames and "2021 年 12 月以后的月份不予补贴" in text
    sheet = book["以工代训职工名单"]
    assert [c.value for c in sheet[1]] == ["身份证号码", "姓名", "起始月份", "结束月份"]
    sheet.delete_rows(2, sheet.max_row)  # the example row, if any
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    company.field("人员名单 (.xlsx)").set_input_files(str(path))
    company.submit("上传名单并生成申领草稿")


def test_500_workers_by_excel_then_a_file_with_errors_in_several_rows(portal, filer, employer, tmp_path):
    company = portal(filer)
    company.goto("/claims/")
    company.follow("申领以工代训补贴")
    company.follow("上传人员名单 (Excel)")

    # a file with errors in several rows: all listed at once, by row and column; nothing created
    rows = [[_worker_id(n), numbered("职工", n), "2021-10", "2021-12"] for n in range(1, 7)]
    rows[0][1] = ""  # row 2: no name
    rows[1][0] = rows[1][0][:-1] + ("0" if rows[1][0][-1] != "0" else "1")  # row 3: check digit
    rows[2][2] = "2021-13"  # row 4: no such month
    rows[4][2], rows[4][3] = "2021-12", "2021-10"  # row 6: ends before it starts
    rows[5][0] = rows[3][0]  # row 7: row 5's number again
    _fill_and_upload(company, tmp_path, "有错误的名单.xlsx", rows)
    assert "发现 5 处错误，未生成申领" in company.text(".error-summary")
    table = company.page.locator("table.grid tbody tr")
    listed = [tuple(cells[:2]) for cells in (row.locator("td").all_inner_texts() for row in table.all())]
    assert listed == [
        ("2", "姓名"),
        ("3", "身份证号码"),
        ("4", "起始月份"),
        ("6", "结束月份"),
        ("7", "身份证号码"),
    ]
    assert "与第 5 行重复" in company.text()
    assert not Claim.objects.exists() and not Person.objects.exists()

    # 500 workers, October to December 2021: 3 months × 500 元 each (R3.2)
    rows = [[_worker_id(n), numbered("职工", n), "2021-10", "2021-12"] for n in range(1, 501)]
    _fill_and_upload(company, tmp_path, "以工代训职工名单.xlsx", rows)
    assert "已按上传的名单（500 人）生成以工代训补贴申领草稿" in company.message(), company.text()
    claim = Claim.objects.get()
    assert (claim.kind, claim.status, claim.year) == (ClaimKind.WORK_FOR_TRAINING, ClaimStatus.DRAFT, 2021)
    assert claim.lines.count() == 500 and Person.objects.count() == 500
    # The claim page shows the lines 50 at a time (CLAIM_LINES_PER_PAGE), the totals over all 500.
    assert company.page.locator("#lines tbody tr").count() == 50
    assert "共 500 条，第 1 / 10 页" in company.text("#lines nav.pagination")
    assert "750,000.00" in company.text("#lines tfoot") and "全部 500 条明细" in company.text("#lines tfoot")
    assert "750,000.00 元（500 条明细）" in company.text("dl.facts")
    company.page.get_by_role("link", name="末页").click()
    rows = company.page.locator("#lines tbody tr")
    assert rows.count() == 50 and rows.first.locator("td").first.inner_text() == "451"
    assert numbered("职工", 500) in company.text("#lines tbody")
    assert "750,000.00 元（500 条明细）" in company.text("dl.facts")


def test_the_owner_edits_a_draft_and_the_total_and_history_follow(portal, filer, employer):
    company = portal(filer)
    company.goto("/claims/")
    company.follow("申领以工代训补贴")
    assert company.field("资金年度").input_value() == ""  # left blank: found from the months
    workers = [
        ("赵以工", id_number("500101", "19900101", "011")),
        ("钱以工", id_number("500101", "19910202", "022")),
    ]
    for row, (name, number) in enumerate(workers, start=1):
        company.field(f"第 {row} 行 身份证号码").fill(number)
        company.field(f"第 {row} 行 姓名").fill(name)
        company.field(f"第 {row} 行 起始月份").fill("2021-10")
        company.field(f"第 {row} 行 结束月份").fill("2021-12")
    company.submit("生成申领草稿")
    assert "以工代训申领草稿已生成" in company.message(), company.text()
    claim = Claim.objects.get()
    assert claim.year == 2021
    assert "2021" in company.text("dl.facts") and "3,000.00" in company.text("#lines tfoot")

    # the owner changes one row: 钱以工 from November only
    company.follow("修改申领明细")
    assert company.field("第 2 行 起始月份").input_value() == "2021-10"
    company.field("第 2 行 起始月份").fill("2021-11")
    company.submit("保存修改并重新测算")
    claim.refresh_from_db()
    assert str(claim.total) == "2500.00" and claim.year == 2021
    assert "2,500.00" in company.text("#lines tfoot")
    assert "资金年度" in company.text("dl.facts") and "· 2021" in company.text("dl.facts")
    history = company.page.locator("section.card", has=company.page.get_by_role("heading", name="变更记录"))
    history = history.inner_text()
    assert "修改以工代训申领明细" in history
    log = StateChange.objects.get(object_id=str(claim.pk), reason="修改以工代训申领明细")
    assert log.actor == filer and log.changes["edit"] == {"total": ["3000.00", "2500.00"]}
