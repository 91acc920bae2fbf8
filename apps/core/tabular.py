"""Reading uploaded tables (xlsx or csv) into plain rows with their row numbers, and the one rule
for text the portal writes into a workbook (`neutralise`).

Excel is an interface (style.md 17): parse the workbook here, validate typed rows in the
caller, save everything in one service call or nothing.

Every cell becomes text. Excel's dates and times are numbers with a display format; they come
back as ISO text the callers parse: a date cell (a format without hours) holding a whole day as
"YYYY-MM-DD", a time cell as "HH:MM:SS", and every other date-time, including a date cell that
holds a time of day, as "YYYY-MM-DD HH:MM:SS", so that no time typed is lost.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, TypeVar

from . import uploads
from .errors import ApplicationError

# Formula injection (OWASP, "CSV Injection"): a cell whose text begins with one of these is read
# by Excel as a formula. Every workbook the portal writes (exports and the templates alike) puts an
# apostrophe in front, so the text is shown as typed and no formula runs.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def neutralise(text: str) -> str:
    """The text as a cell may hold it: an apostrophe before a leading = + - @ tab or CR."""
    return "'" + text if text[:1] in FORMULA_TRIGGERS else text


def safe_cell(value: Any) -> Any:
    """A value for a cell of any workbook the portal writes: text neutralised, anything else as it is."""
    return neutralise(value) if isinstance(value, str) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """The one way a row reaches a workbook the portal writes (the templates with openpyxl, the
    exports with XlsxWriter): every text neutralised (`neutralise`), so nothing a user typed, and
    nothing of ours, is ever read by Excel as a formula."""
    return [neutralise(value) if isinstance(value, str) else value for value in values]


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"第 {self.row} 行「{self.field}」：{self.message}"
            if self.field
            else f"第 {self.row} 行：{self.message}"
        )


class TableErrors(ApplicationError):
    """Raised with every row error at once; nothing has been saved."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(
            f"共 {len(errors)} 处错误，未导入任何数据",
            extra={"errors": [{"row": e.row, "field": e.field, "message": e.message} for e in errors]},
        )


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _entered(str(value).strip())


def _entered(text: str) -> str:
    """A template's text as `neutralise` wrote it reads back as it was entered."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS else text


@lru_cache(maxsize=256)
def _shows_time(number_format: str | None) -> bool:
    """Whether an Excel number format shows hours, minutes or seconds (not a date-only format)."""
    from openpyxl.styles.numbers import STRIP_RE

    shown = STRIP_RE.sub("", (number_format or "").split(";")[0]).lower()  # drop "text" and [colours]
    return "h" in shown or "s" in shown


_Moment = TypeVar("_Moment", datetime, time)


def _second(value: _Moment) -> _Moment:
    """To the nearest second: Excel keeps times as fractions of a day, openpyxl to the millisecond."""
    if value.microsecond < 500_000:
        return value.replace(microsecond=0)
    if isinstance(value, time):
        moment = datetime.combine(date.min, value.replace(microsecond=0)) + timedelta(seconds=1)
        return moment.time()
    return value.replace(microsecond=0) + timedelta(seconds=1)


def _cell_text(cell: Any) -> str:
    """A cell as text; dates and times as ISO text (see the module's docstring)."""
    value = cell.value
    if value is None or value.__class__ is str:
        return "" if value is None else _entered(value.strip())
    if isinstance(value, datetime):
        value = _second(value)
        if value.time() == time(0) and not _shows_time(cell.number_format):
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, time):
        return f"{_second(value):%H:%M:%S}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, timedelta):  # a duration format such as [h]:mm
        seconds = round(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return _clean(value)


def read_table(
    source: str | Path | IO[bytes], *, filename: str | None = None, kind: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as the user sees it, {header: text}) for each non-empty data row.

    Row numbers count the header as row 1, as in Excel. Accepts .xlsx and UTF-8 (with or
    without BOM) .csv; the format is chosen by the file name. `kind` names the import, whose
    caps apply (apps.core.uploads).
    """
    rows = read_rows(source, filename=filename, kind=kind)
    _, names = next(rows)
    for number, cells in rows:
        yield number, dict(zip(names, cells, strict=True))


# A Celery import (apps.trainees.services.jobs) hears how far the reader is, every PROGRESS_EVERY
# rows, without the importers passing anything along: the row number as the user sees it.
reading_progress: ContextVar[Callable[[int], None] | None] = ContextVar("reading_progress", default=None)
PROGRESS_EVERY = 1000


def read_rows(
    source: str | Path | IO[bytes], *, filename: str | None = None, kind: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Like read_table, as lists: first (1, the header's names), then (row number, texts) for
    each non-empty data row, every list as long as the header (cut, or padded with ""). For
    imports of 100,000 rows, which look their columns up once (`column_index`).

    Whatever the upload holds, what cannot be read is an ApplicationError on `file` naming the
    file (a text file renamed .xlsx, an empty or damaged file, a workbook whose data sheet is
    empty), never an exception from the reader: the import saves nothing and says why. A file
    over its kind's byte or row cap, or a workbook that inflates too far, is refused before its
    rows are read (apps.core.uploads); the rows are streamed, never read all at once."""
    _, shown, suffix = _names(source, filename)
    caps = uploads.limits(kind)
    if suffix == ".xlsx":
        rows = _read_xlsx(source, shown, caps)
    elif suffix == ".csv":
        rows = _read_csv(source, shown, caps)
    else:
        raise _unsupported(shown, suffix)
    hear = reading_progress.get()
    if hear is None:
        yield from rows
        return
    told = 0
    for number, cells in rows:
        if number - told >= PROGRESS_EVERY:
            hear(told := number)
        yield number, cells


def table_rows(
    source: str | Path | IO[bytes], *, filename: str | None = None, kind: str | None = None
) -> int:
    """How many data rows the file holds (at most its kind's cap + 1, where counting stops),
    found without reading its cells: the row elements of the sheet's XML, or the CSV's records.
    It refuses what read_rows would refuse before its first row. The file is left at its start.
    For deciding whether an import runs in the request or as a Celery task."""
    _, shown, suffix = _names(source, filename)
    caps = uploads.limits(kind)
    if suffix == ".xlsx":
        with _open_workbook(source, shown, caps) as (_, __, rows):
            pass
        _rewind(source)
        return rows
    if suffix == ".csv":
        return _count_csv(source, shown, caps)
    raise _unsupported(shown, suffix)


def _names(source: Any, filename: str | None) -> tuple[str, str, str]:
    name = str(filename or getattr(source, "name", str(source)))
    return name, Path(name).name or name, Path(name).suffix.lower()


def _unsupported(shown: str, suffix: str) -> ApplicationError:
    return ApplicationError(
        f"「{shown}」：不支持的文件类型 {suffix or '(无扩展名)'}，请上传 .xlsx 或 .csv 文件", field="file"
    )


def column_index(names: list[str], required: tuple[str, ...], one_of: tuple[str, ...] = ()) -> dict[str, int]:
    """Each header's column (the last, when a name repeats); TableErrors on row 1 naming every
    required column that is missing, and the alternatives of `one_of` when none is there."""
    index = {name: position for position, name in enumerate(names)}
    missing = [h for h in required if h not in index and h not in one_of]
    if one_of and not any(h in index for h in one_of):
        missing.append(" 或 ".join(one_of))
    if missing:
        raise TableErrors([RowError(1, "", f"缺少必需的列：{'、'.join(missing)}")])
    return index


def _fit(cells: list[str], width: int) -> list[str]:
    if len(cells) == width:
        return cells
    return cells[:width] if len(cells) > width else cells + [""] * (width - len(cells))


# Our templates put their notes on a sheet of this name; a workbook saved with it in front is
# read from its first other sheet.
NOTES_SHEET = "填写说明"


def _is_empty(source: Any) -> bool:
    return uploads.upload_size(source) == 0


def _rewind(source: Any) -> None:
    if not isinstance(source, (str, Path)):
        source.seek(0)


@contextmanager
def _open_workbook(source: Any, shown: str, caps: uploads.UploadLimits) -> Iterator[tuple[Any, Any, int]]:
    """The workbook (read-only), its data sheet and that sheet's data rows as counted,
    once every check before the cells has passed: size, the zip's declared members, each sheet's
    declared dimension and its row elements. Closed on leaving."""
    from openpyxl import load_workbook

    if _is_empty(source):
        raise ApplicationError(f"「{shown}」是空文件（0 字节），请选择填写好的 .xlsx 文件", field="file")
    uploads.check_size(source, shown, caps)
    _rewind(source)
    uploads.check_xlsx_archive(source, shown)
    counted = uploads.check_xlsx_rows(source, shown, caps, skip=NOTES_SHEET)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except FileNotFoundError:  # a path given on the command line: the caller says which
        raise
    except Exception as exc:  # zip, XML, openpyxl: any unreadable upload is the user's file
        raise uploads.unreadable(shown) from exc
    try:
        sheets = [s for s in workbook.worksheets if s.title != NOTES_SHEET] or workbook.worksheets
        if not sheets:
            raise ApplicationError(f"「{shown}」中没有工作表", field="file")
        sheet = sheets[0]
        # Its declared dimension is not trusted: one smaller than the sheet would hide rows; the
        # reader stops at the cap (_read_xlsx).
        sheet.reset_dimensions()
        yield workbook, sheet, counted
    finally:
        workbook.close()


def _read_xlsx(source: Any, shown: str, caps: uploads.UploadLimits) -> Iterator[tuple[int, list[str]]]:
    with _open_workbook(source, shown, caps) as (_, sheet, __):
        limit = caps.max_rows + 1
        try:
            # Cells, not values only: a date-time's number format says whether it shows a time.
            first = sheet.iter_rows(max_row=1)
            header = next(first, None)
            first.close()
            names = [_cell_text(h) for h in header or ()]
            while names and not names[-1]:
                names.pop()
            if not names:
                raise ApplicationError(
                    f"「{shown}」的工作表「{sheet.title}」为空：请在第一个工作表填写，第 1 行为表头",
                    field="file",
                )
            width = len(names)
            yield 1, names
            # Only the header's columns are built, and reading stops at the first row past the cap.
            for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
                if number > limit:
                    raise uploads.too_many_rows(shown, caps, number)
                cells = [_cell_text(cell) for cell in row]
                if any(cells):
                    yield number, _fit(cells, width)
        except ApplicationError:
            raise
        except Exception as exc:  # a damaged sheet fails while it is read
            raise uploads.unreadable(shown) from exc


def _not_utf8(shown: str) -> ApplicationError:
    return ApplicationError(
        f"「{shown}」不是 UTF-8 编码的 CSV 文件，请另存为“CSV UTF-8”后重新上传", field="file"
    )


@contextmanager
def _csv_records(source: Any, shown: str, caps: uploads.UploadLimits) -> Iterator[Iterator[list[str]]]:
    """The CSV's records as they are decoded, a line at a time: never the whole file in memory.
    Decoding and format errors are the user's file, named."""
    if uploads.upload_size(source) == 0:
        raise ApplicationError(f"「{shown}」为空：第 1 行应为表头", field="file")
    uploads.check_size(source, shown, caps)
    if isinstance(source, (str, Path)):
        handle: Any = open(source, "rb")  # noqa: SIM115 (closed below)
    else:
        handle = getattr(source, "file", source)
        handle.seek(0)
    text = handle if isinstance(handle, io.TextIOBase) else io.TextIOWrapper(handle, "utf-8-sig", newline="")

    def lines() -> Iterator[str]:
        for line in text:
            if "\x00" in line:
                raise ApplicationError(
                    f"「{shown}」不是文本格式的 CSV 文件，请另存为“CSV UTF-8”后重新上传", field="file"
                )
            yield line

    def records() -> Iterator[list[str]]:
        try:
            yield from csv.reader(lines())
        except UnicodeDecodeError as exc:
            raise _not_utf8(shown) from exc
        except csv.Error as exc:
            raise ApplicationError(f"「{shown}」不是有效的 CSV 文件：{exc}", field="file") from exc

    try:
        yield records()
    finally:
        if text is not handle:
            text.detach()  # the upload stays open for its owner
        if isinstance(source, (str, Path)):
            handle.close()


def _count_csv(source: Any, shown: str, caps: uploads.UploadLimits) -> int:
    """The data records, counted up to the cap + 1 (the C reader, no cell kept)."""
    count = -1
    with _csv_records(source, shown, caps) as records:
        for count, _ in enumerate(records):
            if count > caps.max_rows:
                break
    _rewind(source)
    return max(0, count)


def _read_csv(source: Any, shown: str, caps: uploads.UploadLimits) -> Iterator[tuple[int, list[str]]]:
    # Counted first, so that a file past the cap is refused before any row is checked.
    if _count_csv(source, shown, caps) > caps.max_rows:
        raise uploads.too_many_rows(shown, caps)
    limit = caps.max_rows + 1
    with _csv_records(source, shown, caps) as records:
        header = next(records, None)
        if header is None or not any(h.strip() for h in header):
            raise ApplicationError(f"「{shown}」为空：第 1 行应为表头", field="file")
        names = [h.strip() for h in header]
        width = len(names)
        yield 1, names
        for number, values in enumerate(records, start=2):
            if number > limit:
                raise uploads.too_many_rows(shown, caps, number)
            cells = [v.strip() for v in values]
            if any(cells):
                yield number, _fit(cells, width)
