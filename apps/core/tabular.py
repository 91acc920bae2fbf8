"""Reading uploaded tables (xlsx or csv) into plain rows with their row numbers.

Excel is an interface (style.md 17): parse the workbook here, validate typed rows in the
caller, save everything in one service call or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import ApplicationError


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
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return str(value).strip()


def read_table(
    source: str | Path | IO[bytes], *, filename: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as the user sees it, {header: text}) for each non-empty data row.

    Row numbers count the header as row 1, as in Excel. Accepts .xlsx and UTF-8 (with or
    without BOM) .csv; the format is chosen by the file name.
    """
    rows = read_rows(source, filename=filename)
    _, names = next(rows)
    for number, cells in rows:
        yield number, dict(zip(names, cells, strict=True))


def read_rows(
    source: str | Path | IO[bytes], *, filename: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Like read_table, as lists: first (1, the header's names), then (row number, texts) for
    each non-empty data row, every list as long as the header (cut, or padded with ""). For
    imports of 100,000 rows, which look their columns up once (`column_index`)."""
    name = str(filename or getattr(source, "name", source))
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        rows = _read_xlsx(source)
    elif suffix == ".csv":
        rows = _read_csv(source)
    else:
        raise ApplicationError(
            f"不支持的文件类型 {suffix or '(无扩展名)'}，请上传 .xlsx 或 .csv 文件", field="file"
        )
    yield from rows


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


def _read_xlsx(source: Any) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ApplicationError("无法读取 Excel 文件，请确认文件为 .xlsx 格式且未损坏", field="file") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ApplicationError("文件为空：第 1 行应为表头", field="file")
        names = [_clean(h) for h in header]
        width = len(names)
        yield 1, names
        for number, values in enumerate(rows, start=2):
            cells = [_clean(v) for v in values]
            if any(cells):
                yield number, _fit(cells, width)
    finally:
        workbook.close()


def _read_csv(source: Any) -> Iterator[tuple[int, list[str]]]:
    raw = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ApplicationError("CSV 文件须为 UTF-8 编码", field="file") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ApplicationError("文件为空：第 1 行应为表头", field="file")
    names = [h.strip() for h in header]
    width = len(names)
    yield 1, names
    for number, values in enumerate(reader, start=2):
        cells = [v.strip() for v in values]
        if any(cells):
            yield number, _fit(cells, width)
