"""apps.core.tabular: uploaded tables as text rows with their row numbers; Excel's dates and times
as ISO text (a date cell as a date, a time cell as a time, a date-time keeps its time)."""

import io
import re
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from apps.core.errors import ApplicationError
from apps.core.tabular import TableErrors, column_index, read_rows, read_table


def _workbook(rows, formats=None):
    """An .xlsx whose first sheet holds `rows`; `formats` maps a cell ("B2") to its number format."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("case", "value", "number_format", "text"),
    [
        ("a date cell", date(2026, 12, 5), None, "2026-12-05"),
        ("a date cell in Chinese", date(2026, 12, 5), 'yyyy"年"m"月"d"日"', "2026-12-05"),
        ("a date-time cell", datetime(2026, 12, 5, 8, 55), None, "2026-12-05 08:55:00"),
        ("a date-time cell at midnight", datetime(2026, 12, 5), "yyyy-mm-dd hh:mm", "2026-12-05 00:00:00"),
        (
            "a date cell holding a time of day",
            datetime(2026, 12, 5, 9, 10),
            "yyyy-mm-dd",
            "2026-12-05 09:10:00",
        ),
        ("a time cell", time(8, 55), None, "08:55:00"),
        ("a time cell with seconds", time(8, 55, 30), "hh:mm:ss", "08:55:30"),
        (
            "a time format over a whole date-time",
            datetime(2026, 12, 6, 9, 10),
            "hh:mm",
            "2026-12-06 09:10:00",
        ),
        ("a time a millisecond short", (8 * 3600 + 55 * 60) / 86400 - 1e-8, "hh:mm", "08:55:00"),
        ("a duration", 1.5, "[h]:mm:ss", "36:00:00"),
        ("a whole number", 13800138000.0, None, "13800138000"),
        ("a fraction", 1.5, None, "1.5"),
        ("text", "  张三 ", None, "张三"),
        ("text that looks like a date", "2026-12-05 08:55", "@", "2026-12-05 08:55"),
    ],
)
def test_excel_cells_become_text(case, value, number_format, text):
    source = _workbook([["值"], [value]], {"A2": number_format} if number_format else None)
    assert list(read_table(source, filename="t.xlsx")) == [(2, {"值": text})]


def test_rows_are_numbered_as_in_excel_and_blank_rows_skipped():
    source = _workbook([["姓名", "身份证号码"], ["张三"], [None, None], ["李四", "X"]])
    assert list(read_rows(source, filename="t.xlsx")) == [
        (1, ["姓名", "身份证号码"]),
        (2, ["张三", ""]),
        (4, ["李四", "X"]),
    ]


def test_rows_are_cut_or_padded_to_the_header():
    source = io.BytesIO("姓名,身份证号码\n张三\n李四,X,多余\n".encode())
    assert list(read_rows(source, filename="t.csv")) == [
        (1, ["姓名", "身份证号码"]),
        (2, ["张三", ""]),
        (3, ["李四", "X"]),
    ]


def test_csv_is_read_as_written():
    source = io.BytesIO("姓名,签到时间\n张三, 2026-12-05 08:55 \n".encode("utf-8-sig"))
    assert list(read_table(source, filename="t.csv")) == [
        (2, {"姓名": "张三", "签到时间": "2026-12-05 08:55"})
    ]


def test_column_index_names_every_missing_column_on_row_1():
    assert column_index(
        ["日期", "课次", "姓名"], ("日期", "姓名", "课次开始时间"), ("课次开始时间", "课次")
    ) == {
        "日期": 0,
        "课次": 1,
        "姓名": 2,
    }
    with pytest.raises(TableErrors) as exc:
        column_index(["日期"], ("日期", "姓名", "课次开始时间"), ("课次开始时间", "课次"))
    assert [(e.row, e.message) for e in exc.value.errors] == [(1, "缺少必需的列：姓名、课次开始时间 或 课次")]


def test_an_empty_file_and_other_types_are_refused():
    with pytest.raises(ApplicationError, match=re.escape("「t.csv」为空")):
        list(read_rows(io.BytesIO(b""), filename="t.csv"))
    with pytest.raises(ApplicationError, match=r"「t.xls」：不支持的文件类型 \.xls"):
        list(read_rows(io.BytesIO(b""), filename="t.xls"))


@pytest.mark.parametrize(
    ("case", "content", "message"),
    [
        ("a text file renamed .xlsx", "姓名\n张三\n".encode(), "「名单.xlsx」不是有效的 Excel 文件"),
        ("an empty file", b"", "「名单.xlsx」是空文件"),
        ("a truncated workbook", None, "「名单.xlsx」不是有效的 Excel 文件"),
        ("a workbook whose sheet is empty", "empty", "「名单.xlsx」的工作表「Sheet」为空"),
    ],
)
def test_an_unreadable_workbook_is_an_application_error_naming_the_file(case, content, message):
    if content is None:
        content = _workbook([["姓名"], ["张三"]]).getvalue()[:300]
    elif content == "empty":
        content = _workbook([]).getvalue()
    with pytest.raises(ApplicationError, match=re.escape(message)) as exc:
        list(read_rows(io.BytesIO(content), filename="uploads/名单.xlsx"))
    assert exc.value.field == "file"


def test_a_csv_that_is_not_text_names_the_file():
    with pytest.raises(ApplicationError, match=re.escape("「名单.csv」不是 UTF-8 编码的 CSV 文件")):
        list(read_rows(io.BytesIO("姓名\n张三".encode("gbk")), filename="名单.csv"))
    with pytest.raises(ApplicationError, match=re.escape("「名单.csv」不是文本格式的 CSV 文件")):
        list(read_rows(io.BytesIO(b"a\x00b\n"), filename="名单.csv"))


def test_the_notes_sheet_of_a_template_is_passed_over():
    workbook = Workbook()
    workbook.active.title = "填写说明"
    workbook.active.append(["说明"])
    workbook.create_sheet("花名册").append(["姓名"])
    workbook["花名册"].append(["张三"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    assert list(read_rows(buffer, filename="t.xlsx")) == [(1, ["姓名"]), (2, ["张三"])]


def test_a_missing_path_is_not_called_an_invalid_workbook(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(read_rows(tmp_path / "无此文件.xlsx"))
