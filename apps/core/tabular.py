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
    name = str(filename or getattr(source, "name", source))
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        yield from _read_xlsx(source)
    elif suffix == ".csv":
        yield from _read_csv(source)
    else:
        raise ApplicationError(
            f"不支持的文件类型 {suffix or '(无扩展名)'}，请上传 .xlsx 或 .csv 文件", field="file"
        )


def _read_xlsx(source: Any) -> Iterator[tuple[int, dict[str, str]]]:
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
        for number, values in enumerate(rows, start=2):
            cells = [_clean(v) for v in values]
            if any(cells):
                yield number, dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=False))
    finally:
        workbook.close()


def _read_csv(source: Any) -> Iterator[tuple[int, dict[str, str]]]:
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
    for number, values in enumerate(reader, start=2):
        cells = [v.strip() for v in values]
        if any(cells):
            yield number, dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=False))
