"""Hostile uploads, built in well under a second (issue 17): a zip bomb whose sheet inflates past
1 GB, a sheet of 1,048,576 rows (Excel's maximum), a CSV of 60 MB.

The zips are written by hand: a member's deflate stream is one block, compressed once and
repeated (each block ends with a full flush, so every copy is the same bytes), and its CRC is
combined arithmetically (zlib's crc32_combine) rather than computed over a gigabyte. The files
are valid zips: what they declare is what they inflate to.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
EXCEL_ROWS = 1_048_576
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _square(odd)
    odd = _square(even)
    while True:
        even = _square(odd)
        if len2 & 1:
            crc1 = _times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _square(even)
        if len2 & 1:
            crc1 = _times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _repeated_crc(block: bytes, times: int) -> int:
    """crc32(block * times), by doubling."""
    result, result_len = 0, 0
    power, power_len = zlib.crc32(block), len(block)
    while times:
        if times & 1:
            result = crc32_combine(result, power, power_len)
            result_len += power_len
        power = crc32_combine(power, power, power_len)
        power_len *= 2
        times >>= 1
    return result


def deflated(prefix: bytes, block: bytes, times: int, suffix: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, inflated size, CRC) of prefix + block × times + suffix."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    one = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert one == again, "a full flush makes each copy of the block the same bytes"
    tail = compressor.compress(suffix) + compressor.flush()
    data = head + one * times + tail
    crc = zlib.crc32(prefix)
    crc = crc32_combine(crc, _repeated_crc(block, times), len(block) * times)
    crc = crc32_combine(crc, zlib.crc32(suffix), len(suffix))
    return data, len(prefix) + len(block) * times + len(suffix), crc


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, raw deflate stream, inflated size, CRC) members."""
    out = io.BytesIO()
    central = []
    for name, data, size, crc in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        )
        out.write(encoded + data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0)
    )
    return out.getvalue()


def _workbook_with_sheet(sheet: tuple[bytes, int, int]) -> bytes:
    """A one-sheet workbook written by openpyxl whose sheet XML is replaced by `sheet`."""
    book = Workbook()
    book.active.append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    members = []
    with zipfile.ZipFile(buffer) as source:
        for info in source.infolist():
            if info.filename == SHEET:
                members.append((SHEET, *sheet))
                continue
            content = source.read(info)
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append(
                (
                    info.filename,
                    compressor.compress(content) + compressor.flush(),
                    len(content),
                    zlib.crc32(content),
                )
            )
    return _zip(members)


def zip_bomb(inflated: int = 1100 * 1024 * 1024) -> bytes:
    """An .xlsx of about 1 MB whose sheet XML inflates to `inflated` bytes of blanks."""
    block = b" " * (1024 * 1024)
    return _workbook_with_sheet(
        deflated(_HEAD + b"<sheetData>", block, inflated // len(block), b"</sheetData></worksheet>")
    )


def cell(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def million_rows(
    header: list[str], row: list[str], *, dimension: bool = True, rows: int = EXCEL_ROWS
) -> bytes:
    """A sheet of `rows` rows (the header, then the same data row over and over, written without
    row numbers as Excel allows); with the dimension it declares, or none."""
    data = b"<row>" + b"".join(cell(t) for t in row) + b"</row>"
    columns = "ABCDEFGHIJ"[len(header) - 1]
    declared = f'<dimension ref="A1:{columns}{rows}"/>'.encode() if dimension else b""
    prefix = _HEAD + declared + b"<sheetData><row>" + b"".join(cell(t) for t in header) + b"</row>"
    data_rows = rows - 1
    per_block = 1025 if data_rows % 1025 == 0 else 1
    return _workbook_with_sheet(
        deflated(prefix, data * per_block, data_rows // per_block, b"</sheetData></worksheet>")
    )


def big_csv(header: str, row: str, size: int = 60 * 1024 * 1024) -> bytes:
    line = (row + "\n").encode()
    return (header + "\n").encode() + line * (size // len(line))
