"""The upload guard (apps.core.uploads) on its own: what a zip declares bounds what is read, a
zip that lies about its sizes is unreadable (never inflated past what it declared), the member
count and each whole-read part are capped, and rows are counted without reading cells."""

import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from apps.core.errors import ApplicationError
from apps.core.tabular import read_rows, table_rows
from apps.core.uploads import limits
from tests import hostile_files


def _book(rows: int) -> bytes:
    workbook = Workbook()
    for n in range(rows + 1):
        workbook.active.append([f"值{n}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(content: bytes, name: str = "表.xlsx") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def test_a_zip_that_declares_less_than_it_inflates_is_unreadable_not_inflated():
    data, _, crc = hostile_files.deflated(
        b"<worksheet><sheetData>", b" " * 1024 * 1024, 300, b"</sheetData></worksheet>"
    )
    # The central directory says 1 KB: zipfile stops there and the CRC fails.
    book = hostile_files._workbook_with_sheet((data, 1024, crc))
    started = time.perf_counter()
    with pytest.raises(ApplicationError, match=re.escape("「表.xlsx」不是有效的 Excel 文件")):
        list(read_rows(_upload(book), kind="results"))
    assert time.perf_counter() - started < 1


def test_too_many_members_or_a_part_too_large_is_refused(settings):
    settings.IMPORT_XLSX_MAX_MEMBERS = 5
    with pytest.raises(ApplicationError, match="压缩炸弹"):
        list(read_rows(_upload(_book(1)), kind="results"))
    settings.IMPORT_XLSX_MAX_MEMBERS = 200
    settings.IMPORT_XLSX_MAX_PART_BYTES = 100  # styles.xml alone is larger
    with pytest.raises(ApplicationError, match="压缩炸弹"):
        list(read_rows(_upload(_book(1)), kind="results"))


def test_rows_are_counted_without_reading_cells_and_the_file_is_left_at_its_start(settings):
    upload = _upload(_book(42))
    assert table_rows(upload, kind="results") == 42
    assert upload.tell() == 0
    assert len(list(read_rows(upload, kind="results"))) == 43
    csv = _upload(("甲\n" + "1\n" * 7).encode(), "表.csv")
    assert table_rows(csv, kind="online_attendance") == 7 and csv.tell() == 0
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "results": 42}
    assert len(list(read_rows(_upload(_book(42)), kind="results"))) == 43
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "results": 41}
    with pytest.raises(ApplicationError, match="一次最多导入 41 行"):
        list(read_rows(_upload(_book(42)), kind="results"))


def test_a_row_far_below_the_data_stops_the_reader_at_the_cap(settings):
    """One cell on row 1,048,576: two row elements, but the rows between are read as blank rows,
    and the reader stops at the first one past the cap instead of walking a million."""
    workbook = Workbook()
    workbook.active.append(["甲"])
    workbook.active.cell(row=1_048_576, column=1, value="远")
    buffer = io.BytesIO()
    workbook.save(buffer)
    started = time.perf_counter()
    with pytest.raises(ApplicationError, match=re.escape("（第 10,002 行起超出）")):
        list(read_rows(_upload(_strip_dimension(buffer.getvalue())), kind="results"))
    assert time.perf_counter() - started < 2


def _strip_dimension(content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            target.writestr(info.filename, data)
    return out.getvalue()


def test_a_csv_is_streamed_and_a_bad_byte_deep_inside_is_named():
    content = ("甲\n" + "好\n" * 1000).encode() + b"\xff\n"
    with pytest.raises(ApplicationError, match=re.escape("「表.csv」不是 UTF-8 编码的 CSV 文件")):
        list(read_rows(_upload(content, "表.csv"), kind="online_attendance"))


def test_the_help_text_states_both_caps(settings):
    assert limits("roster").help_text == "文件不超过 5 MB，最多 10,000 行（不含表头）"
    settings.IMPORT_MAX_BYTES = {**settings.IMPORT_MAX_BYTES, "roster": 1536 * 1024}
    assert limits("roster").help_text == "文件不超过 1.5 MB，最多 10,000 行（不含表头）"


def test_the_rows_counted_are_the_data_sheets_not_the_notes_sheets():
    workbook = Workbook()
    workbook.active.title = "填写说明"
    for n in range(9):
        workbook.active.append([f"说明{n}"])
    data = workbook.create_sheet("花名册")
    for n in range(3):
        data.append([f"值{n}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert table_rows(_upload(buffer.getvalue()), kind="roster") == 2
