"""Excel workbooks written row by row (style.md 17: an export streams from a selector).

XlsxWriter in constant-memory mode flushes each row to a temporary file as soon as the next one
begins, so memory stays flat whatever the number of rows. We chose it over openpyxl's write-only
mode by measurement: the same 1,000,000 rows × 12 columns took 69.6 s against 164.3 s on the CI
machine (benchmarks/export_writers.py); openpyxl still reads uploads (apps.core.tabular).

Formula injection (OWASP, "CSV Injection"): every text cell that begins with ``= + - @``, a tab
or a carriage return is written with an apostrophe in front (OWASP's first remedy), so it is
shown and stays text and no formula runs, even after the cell is edited or the sheet is saved
as CSV. The writer never turns strings into formulas, numbers or links in the first place.

It knows nothing of the portal's models: it writes typed values. Every row and header goes
through `apps.core.tabular.safe_row` (every text, whatever its column's kind, neutralised), the
one helper every workbook the portal writes uses, templates included.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import xlsxwriter

from apps.core.tabular import neutralise, safe_row

__all__ = ["Column", "Workbook", "neutralise", "workbook_bytes"]

ColumnKind = Literal["text", "wrap", "int", "yuan", "date", "datetime"]
EXCEL_MAX_ROWS = 1_048_576

NUMBER_FORMATS: dict[str, str] = {
    "yuan": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}


@dataclass(frozen=True)
class Column:
    header: str  # in Chinese, as the officer reads it
    width: int  # in Excel's character units; a Chinese character counts about 2
    kind: ColumnKind = "text"


class Workbook:
    """An .xlsx file at `path`: tables that start a new sheet every `row_limit` rows (header
    included) and free-form summary sheets. Close it to finish the file."""

    def __init__(self, path: str, *, row_limit: int = EXCEL_MAX_ROWS, tmpdir: str | None = None) -> None:
        if not 2 <= row_limit <= EXCEL_MAX_ROWS:
            raise ValueError(f"row_limit must be between 2 and {EXCEL_MAX_ROWS}")
        self.row_limit = row_limit
        self._book = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": tmpdir,
            },
        )
        self.formats = {
            kind: self._book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()
        }
        self.formats["wrap"] = self._book.add_format({"text_wrap": True, "valign": "top"})
        self.header_format = self._book.add_format(
            {"bold": True, "bg_color": "#E8EEF5", "bottom": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.title_format = self._book.add_format({"bold": True, "font_size": 14})
        self.bold = self._book.add_format({"bold": True})
        self.bold_formats = {
            kind: self._book.add_format({"bold": True, "num_format": fmt})
            for kind, fmt in NUMBER_FORMATS.items()
        }
        self._tables: list[Table] = []

    def table(self, title: str, columns: Sequence[Column]) -> Table:
        table = Table(self, title, columns)
        self._tables.append(table)
        return table

    def sheet(self, title: str, columns: Sequence[Column]) -> Sheet:
        return Sheet(self, title, columns)

    def add_worksheet(self, name: str) -> Any:
        return self._book.add_worksheet(name)

    def close(self) -> None:
        for table in self._tables:
            table.finish()
        self._book.close()


class Table:
    """Rows under a frozen header row, in as many sheets as the row limit needs: 台账,
    台账 (2), … Each value goes as it is typed (Decimal, int, date, datetime, str, None); text
    is neutralised, amounts take the yuan format and dates the date format of their column."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.book = book
        self.title = title
        self.columns = tuple(columns)
        self.rows = 0
        self.sheet_names: list[str] = []
        self._per_sheet = book.row_limit - 1
        self._open()

    def _open(self) -> None:
        if self.sheet_names:
            self.finish()
        name = self.title if not self.sheet_names else f"{self.title} ({len(self.sheet_names) + 1})"
        sheet = self.book.add_worksheet(name)
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width, self.book.formats.get(column.kind))
        sheet.write_row(0, 0, safe_row(c.header for c in self.columns), self.book.header_format)
        sheet.freeze_panes(1, 0)
        self.sheet_names.append(name)
        self._sheet = sheet
        self._next = 1

    def append(self, row: Sequence[Any]) -> None:
        if self._next > self._per_sheet:
            self._open()
        self._sheet.write_row(self._next, 0, safe_row(row))
        self._next += 1
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.append(row)

    def finish(self) -> None:
        """The current sheet's filter buttons over its header and rows."""
        self._sheet.autofilter(0, 0, max(self._next - 1, 0), len(self.columns) - 1)


class Sheet:
    """A summary sheet written top to bottom: a title, label–value lines, tables with a bold
    total row. The column widths are those of `columns`."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.book = book
        self._sheet = book.add_worksheet(title)
        for index, column in enumerate(columns):
            self._sheet.set_column(index, index, column.width)
        self._row = 0
        self._frozen = False

    def _cell(self, row: int, col: int, value: Any, *, bold: bool = False) -> None:
        sheet, book = self._sheet, self.book
        if value is None:
            return
        if isinstance(value, str):
            sheet.write_string(row, col, neutralise(value), book.bold if bold else None)
        elif isinstance(value, Decimal):
            sheet.write_number(row, col, value, (book.bold_formats if bold else book.formats)["yuan"])
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value, (book.bold_formats if bold else book.formats)["datetime"])
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, (book.bold_formats if bold else book.formats)["date"])
        elif isinstance(value, int) and not isinstance(value, bool):
            sheet.write_number(row, col, value, book.bold if bold else None)
        else:
            raise TypeError(f"cannot write {type(value).__name__} to a summary sheet")

    def title(self, text: str) -> None:
        self._sheet.write_string(self._row, 0, neutralise(text), self.book.title_format)
        self._row += 1

    def line(self, *values: Any, bold: bool = False) -> None:
        for col, value in enumerate(values):
            self._cell(self._row, col, value, bold=bold)
        self._row += 1

    def blank(self) -> None:
        self._row += 1

    def header(self, *labels: str) -> None:
        """A table's header row; the first one on the sheet stays in view when scrolling."""
        self._sheet.write_row(self._row, 0, safe_row(labels), self.book.header_format)
        self._row += 1
        if not self._frozen:
            self._sheet.freeze_panes(self._row, 0)
            self._frozen = True


def workbook_bytes(build: Callable[[Workbook], None]) -> bytes:
    """A small workbook a page sends in the response (a scorecard, a ranking, a what-if), written
    by `build` with the same tables, summary sheets and formats as the exports, as bytes."""
    with tempfile.TemporaryDirectory(prefix="peixun-xlsx-") as tmp:
        path = Path(tmp) / "book.xlsx"
        book = Workbook(str(path), tmpdir=tmp)
        build(book)
        book.close()
        return path.read_bytes()
