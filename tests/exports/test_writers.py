"""The workbook writer on its own: typed cells, formats, widths, the frozen header, the sheet
split, and formula injection neutralised. Every file is read back with openpyxl."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.exports.workbooks.writer import Column, Workbook, neutralise

COLUMNS = (
    Column("编号", 8, "int"),
    Column("姓名", 14),
    Column("金额（元）", 16, "yuan"),
    Column("日期", 12, "date"),
    Column("时间", 20, "datetime"),
    Column("说明", 40, "wrap"),
)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://evil.example","点我")', '\'=HYPERLINK("http://evil.example","点我")'),
        ("+8613800000000", "'+8613800000000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("张三", "张三"),
        ("1=1", "1=1"),
        ("", ""),
    ],
)
def test_a_text_that_could_start_a_formula_gets_an_apostrophe(text, written):
    assert neutralise(text) == written


def _write(tmp_path, rows, *, row_limit=1_048_576):
    path = tmp_path / "t.xlsx"
    book = Workbook(str(path), row_limit=row_limit)
    table = book.table("台账", COLUMNS)
    table.extend(rows)
    book.close()
    return load_workbook(path), table


def test_cells_keep_their_types_formats_and_widths(tmp_path):
    rows = [
        (1, "张三", Decimal("1125.00"), date(2021, 3, 1), datetime(2021, 3, 1, 9, 30, 5), "第一行\n第二行"),
        (2, "=cmd|' /C calc'!A0", Decimal("-0.01"), None, None, "-冲销"),
    ]
    book, table = _write(tmp_path, rows)
    sheet = book["台账"]
    assert [c.value for c in sheet[1]] == ["编号", "姓名", "金额（元）", "日期", "时间", "说明"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    first, second = sheet[2], sheet[3]
    assert first[0].value == 1 and first[0].data_type == "n"
    assert Decimal(str(first[2].value)) == Decimal("1125.00")
    assert first[2].number_format == "#,##0.00"
    assert first[3].value == datetime(2021, 3, 1) and first[3].is_date
    assert first[3].number_format == "yyyy-mm-dd"
    assert first[4].value == datetime(2021, 3, 1, 9, 30, 5)
    assert first[4].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first[5].value == "第一行\n第二行" and first[5].alignment.wrap_text
    assert second[1].value == "'=cmd|' /C calc'!A0" and second[1].data_type == "s"
    assert Decimal(str(second[2].value)) == Decimal("-0.01") and second[2].data_type == "n"
    assert second[3].value is None
    assert second[5].value == "'-冲销"
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEF"]
    assert [round(w) for w in widths] == [9, 15, 17, 13, 21, 41]  # Excel adds the cell padding
    assert table.rows == 2 and table.sheet_names == ["台账"]


def test_a_new_sheet_every_row_limit_rows_header_included(tmp_path):
    rows = [(n, f"学员{n}", Decimal(n), None, None, "") for n in range(1, 8)]
    book, table = _write(tmp_path, rows, row_limit=3)
    assert book.sheetnames == ["台账", "台账 (2)", "台账 (3)", "台账 (4)"]
    assert table.sheet_names == book.sheetnames
    for sheet in book.worksheets:
        assert sheet.cell(1, 1).value == "编号"
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row <= 3
    numbers = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [1, 2, 3, 4, 5, 6, 7]


def test_exactly_full_sheets_start_no_empty_one(tmp_path):
    book, _ = _write(tmp_path, [(n, "", None, None, None, "") for n in range(4)], row_limit=3)
    assert book.sheetnames == ["台账", "台账 (2)"]


@pytest.mark.parametrize("limit", [1, 1_048_577])
def test_the_row_limit_stays_within_what_excel_opens(tmp_path, limit):
    with pytest.raises(ValueError, match="row_limit"):
        Workbook(str(tmp_path / "t.xlsx"), row_limit=limit)


def test_a_summary_sheet_neutralises_text_and_types_its_values(tmp_path):
    path = tmp_path / "s.xlsx"
    book = Workbook(str(path))
    sheet = book.sheet("汇总", COLUMNS)
    sheet.title("=标题")
    sheet.line("导出条件", "@全部")
    sheet.header("区县", "金额（元）")
    sheet.line("渝中区", Decimal("2535.00"), date(2021, 3, 1), 3)
    sheet.line("合计", Decimal("2535.00"), bold=True)
    with pytest.raises(TypeError):
        sheet.line(object())
    book.close()
    ws = load_workbook(path)["汇总"]
    assert [ws.cell(r, 1).value for r in range(1, 6)] == ["'=标题", "导出条件", "区县", "渝中区", "合计"]
    assert ws.cell(2, 2).value == "'@全部"
    assert ws.freeze_panes == "A4"
    assert ws.cell(4, 2).number_format == "#,##0.00" and ws.cell(4, 3).is_date and ws.cell(4, 4).value == 3
    assert ws.cell(5, 2).font.b and ws.cell(5, 2).number_format == "#,##0.00"
