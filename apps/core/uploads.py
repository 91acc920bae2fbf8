"""The guard every spreadsheet import passes before a row is read (issue 17): a file too large, a
workbook that is no zip or a zip bomb, a sheet with more rows than its import takes is refused
at once, in Chinese, naming the file, and no worker holds it for long.

Each import kind has a byte cap and a row cap (settings IMPORT_MAX_BYTES, IMPORT_MAX_ROWS), stated
on its form (`limits(kind).help_text`). An .xlsx is opened as a zip first: a member count above
IMPORT_XLSX_MAX_MEMBERS, a declared uncompressed total above IMPORT_XLSX_MAX_EXPANDED_BYTES, or a
part that openpyxl reads whole (shared strings, styles, the workbook; everything but a worksheet)
above IMPORT_XLSX_MAX_PART_BYTES is refused before openpyxl parses anything. The declared sizes
can be trusted as bounds: Python's zipfile stops a member at its declared size (and a member
that inflates further fails its CRC, an unreadable file), so no read inflates more than was
declared. Rows are then counted on the raw sheet XML, streamed (`xlsx_row_count`), and read one
by one by `apps.core.tabular`, which stops at the first row beyond the cap whatever the sheet's
declared dimension says.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from defusedxml import ElementTree  # type: ignore[import-untyped]
from django.conf import settings

from .errors import ApplicationError

KIND_LABELS = {
    "roster": "花名册",
    "sign_in_sheet": "学员签到表",
    "online_attendance": "线上平台学习记录",
    "results": "考核结果",
    "occupations": "职业目录",
    "claims": "申领人员名单",
    "insurance": "社保参保名单",
}
MB = 1024 * 1024
_CHUNK = 1024 * 1024
# A row element of the sheet XML, with or without a namespace prefix (<row r="2">, <x:row>).
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


@dataclass(frozen=True)
class UploadLimits:
    kind: str
    max_bytes: int
    max_rows: int

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, "导入文件")

    @property
    def help_text(self) -> str:
        """What the form says of its file: 文件不超过 5 MB，最多 10,000 行。"""
        return f"文件不超过 {_megabytes(self.max_bytes)} MB，最多 {self.max_rows:,} 行（不含表头）"


def _megabytes(size: int) -> str:
    value = size / MB
    return f"{value:.0f}" if value >= 10 or value.is_integer() else f"{value:.1f}"


def limits(kind: str | None) -> UploadLimits:
    """The caps of an import kind; without a kind (a file read by a command or a test), the
    largest of every kind."""
    if kind is None:
        return UploadLimits(
            "", max(settings.IMPORT_MAX_BYTES.values()), max(settings.IMPORT_MAX_ROWS.values())
        )
    return UploadLimits(kind, settings.IMPORT_MAX_BYTES[kind], settings.IMPORT_MAX_ROWS[kind])


def upload_size(source: str | Path | IO[bytes] | Any) -> int | None:
    """The file's size in bytes without reading it, when it can be known."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        return path.stat().st_size if path.exists() else None
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    try:
        at = source.tell()
        end = source.seek(0, io.SEEK_END)
        source.seek(at)
    except (AttributeError, OSError, ValueError):
        return None
    return int(end)


def check_size(source: Any, shown: str, caps: UploadLimits) -> None:
    size = upload_size(source)
    if size is not None and size > caps.max_bytes:
        raise ApplicationError(
            f"「{shown}」有 {size / MB:.1f} MB，超过{caps.label}文件的上限 {_megabytes(caps.max_bytes)} MB："
            f"最多 {caps.max_rows:,} 行，请分批导入，未导入任何数据",
            field="file",
        )


def unreadable(shown: str) -> ApplicationError:
    return ApplicationError(
        f"「{shown}」不是有效的 Excel 文件（.xlsx）：可能是改了扩展名的其他文件，或文件已损坏。"
        "请用 Excel 打开模板填写后另存为 .xlsx 再上传，未导入任何数据",
        field="file",
    )


def _too_big(shown: str) -> ApplicationError:
    return ApplicationError(
        f"「{shown}」解压后过大或包含的部件过多，不像是正常填写的表格（可能是“压缩炸弹”），"
        "已拒绝读取，未导入任何数据。请在 Excel 中把数据复制到新的工作簿另存为 .xlsx 后再上传",
        field="file",
    )


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_xlsx_archive(source: Any, shown: str) -> None:
    """Refuse what is not a zip, and a zip whose members, as declared in its central directory,
    are too many or inflate too far, before openpyxl reads a byte of XML. The file's position is
    put back where it was."""
    at = None if isinstance(source, (str, Path)) else source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise unreadable(shown) from exc
    finally:
        if at is not None:
            source.seek(at)
    if len(members) > settings.IMPORT_XLSX_MAX_MEMBERS:
        raise _too_big(shown)
    if sum(m.file_size for m in members) > settings.IMPORT_XLSX_MAX_EXPANDED_BYTES:
        raise _too_big(shown)
    part_cap = settings.IMPORT_XLSX_MAX_PART_BYTES
    if any(m.file_size > part_cap for m in members if not _is_worksheet(m.filename)):
        raise _too_big(shown)


def _declared_rows(handle: IO[bytes]) -> int | None:
    """The last row of the sheet's declared dimension (<dimension ref="A1:F1048576"/>), read up to
    <sheetData> and no further; None when it declares none."""
    for _, element in ElementTree.iterparse(handle, events=("start",)):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "dimension":
            last = (element.get("ref") or "").rsplit(":", 1)[-1]
            digits = "".join(ch for ch in last if ch.isdigit())
            return int(digits) if digits else None
        if tag == "sheetData":
            return None
    return None


def _counted_rows(handle: IO[bytes], stop_after: int) -> int:
    """The row elements of a sheet's XML, counted on the inflated bytes as they stream (no XML is
    parsed, nothing is kept); stops counting once it passes `stop_after`."""
    count = 0
    tail = b""
    while chunk := handle.read(_CHUNK):
        data = tail + chunk
        # A tag cut by the chunk's end is counted with the next chunk: keep the last bytes.
        cut = max(0, len(data) - 64)
        count += len(_ROW_TAG.findall(data, 0, cut))
        tail = data[cut:]
        if count > stop_after:
            return count
    return count + len(_ROW_TAG.findall(tail))


_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _data_sheet(archive: zipfile.ZipFile, skip: str) -> str | None:
    """The member of the workbook's first sheet not named `skip` (or its first sheet), from
    xl/workbook.xml and its relationships, as openpyxl finds it; None when they cannot be read."""
    try:
        with archive.open("xl/workbook.xml") as handle:
            sheets = [
                (e.get("name") or "", e.get(_REL) or "")
                for _, e in ElementTree.iterparse(handle)
                if e.tag.rsplit("}", 1)[-1] == "sheet"
            ]
        with archive.open("xl/_rels/workbook.xml.rels") as handle:
            targets = {
                e.get("Id"): e.get("Target") or ""
                for _, e in ElementTree.iterparse(handle)
                if e.tag.rsplit("}", 1)[-1] == "Relationship"
            }
    except Exception:
        return None
    chosen = [rel for name, rel in sheets if name != skip] or [rel for _, rel in sheets]
    target = targets.get(chosen[0], "") if chosen else ""
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def check_xlsx_rows(source: Any, shown: str, caps: UploadLimits, *, skip: str = "") -> int:
    """Every worksheet's rows, before openpyxl opens the workbook (it reads a sheet without a
    declared dimension from end to end just to size it: 35 s for 1,048,576 rows): a sheet whose
    declared dimension or whose row elements pass the cap is refused. The declared dimension is
    not trusted either way; the count is a bound, and the reader stops at the cap too. Returns the
    data sheet's data rows (its row elements less the header; the data sheet is the first not
    named `skip`, else the largest). The file's position is kept."""
    at = None if isinstance(source, (str, Path)) else source.tell()
    limit = caps.max_rows + 1
    counts: dict[str, int] = {}
    try:
        with zipfile.ZipFile(source) as archive:
            data_sheet = _data_sheet(archive, skip)
            for name in archive.namelist():
                if not _is_worksheet(name):
                    continue
                with archive.open(name) as handle:
                    declared = _declared_rows(handle)
                if declared is not None and declared > limit:
                    raise too_many_rows(shown, caps)
                with archive.open(name) as handle:
                    counted = _counted_rows(handle, limit)
                if counted > limit:
                    raise too_many_rows(shown, caps)
                counts[name] = max(0, counted - 1)
    except ApplicationError:
        raise
    except Exception as exc:  # XML, a member that fails its CRC or inflates past its size
        raise unreadable(shown) from exc
    finally:
        if at is not None:
            source.seek(at)
    if data_sheet in counts:
        return counts[data_sheet]
    return max(counts.values(), default=0)


def too_many_rows(shown: str, caps: UploadLimits, row: int | None = None) -> ApplicationError:
    where = f"（第 {row:,} 行起超出）" if row else ""
    return ApplicationError(
        f"「{shown}」超过{caps.label}的行数上限：一次最多导入 {caps.max_rows:,} 行（不含表头）{where}。"
        "请分批导入；如果表格下方有大量空行或带格式的空行，请删除后另存再上传，未导入任何数据",
        field="file",
    )


@contextmanager
def stored_unless_failed(field_file: Any, name: str, content: Any) -> Iterator[None]:
    """Write `content` to `field_file`'s storage under `name`, then run the block (the row's save
    and what goes with it, inside the caller's transaction). The file is written before the row:
    if the block fails, the file is removed too, so no file outlives a row that was never kept."""
    field_file.save(name, content, save=False)
    stored = field_file.name
    assert stored is not None, "the file was just saved"
    try:
        yield
    except BaseException:
        field_file.storage.delete(stored)
        raise
