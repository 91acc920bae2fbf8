"""Which writer for exports: openpyxl's write-only mode against XlsxWriter's constant-memory mode,
the same rows × 12 columns (ints, a datetime, texts in Chinese, a yuan amount as Decimal, a
date), with the same number formats, each in a fresh process so its peak memory is its own.

Run from the repository root: ``.venv/bin/python benchmarks/export_writers.py`` (``make bench``).
EXPORT_WRITERS_BENCH_ROWS sets the rows (default 200,000; the choice in apps/exports/workbooks/writer.py
was made on 1,000,000: openpyxl 164.3 s, XlsxWriter 69.6 s, both about 24 MB).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

MONEY, DAY, MOMENT = "#,##0.00", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"


def rows(count: int) -> Iterator[tuple]:
    start = datetime(2021, 3, 1, 9, 0)
    for n in range(count):
        yield (
            n + 1,
            start + timedelta(minutes=n),
            "渝中区",
            2021,
            "培训补贴",
            "审核通过记账",
            Decimal((n * 7919) % 299_901 + 100).scaleb(-2),
            1000 + n // 100,
            "重庆市渝中区匠心职业培训学校",
            "张秀英",
            "5001**********1234",
            date(2021, 3, 1) + timedelta(days=n % 300),
        )


def write_openpyxl(path: str, count: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")

    def cell(value: object, number_format: str) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        c.number_format = number_format
        return c

    for row in rows(count):
        values = list(row)
        values[1], values[6], values[11] = cell(row[1], MOMENT), cell(row[6], MONEY), cell(row[11], DAY)
        sheet.append(values)
    book.save(path)


def write_xlsxwriter(path: str, count: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("台账")
    for col, fmt in ((1, MOMENT), (6, MONEY), (11, DAY)):
        sheet.set_column(col, col, 14, book.add_format({"num_format": fmt}))
    for index, row in enumerate(rows(count)):
        sheet.write_row(index, 0, row)
    book.close()


WRITERS = {"openpyxl write-only": write_openpyxl, "XlsxWriter constant-memory": write_xlsxwriter}


def child(name: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        WRITERS[name](str(Path(tmp) / "t.xlsx"), count)
        seconds = time.perf_counter() - start
        size = (Path(tmp) / "t.xlsx").stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "bytes": size}))


def main() -> None:
    count = int(os.environ.get("EXPORT_WRITERS_BENCH_ROWS") or 200_000)
    print(f"{count:,} rows × 12 columns, each writer in its own process:")
    results = {}
    for name in WRITERS:
        out = subprocess.run(
            [sys.executable, __file__, name, str(count)], capture_output=True, text=True, check=True
        ).stdout
        result = json.loads(out)
        results[name] = result["seconds"]
        print(
            f"  {name}: {result['seconds']:.1f} s, peak memory {result['peak_mb']:.0f} MB, "
            f"{result['bytes'] / 2**20:.1f} MB file"
        )
    fast, slow = sorted(results, key=results.get)
    print(f"  {fast} is {results[slow] / results[fast]:.2f}× as fast as {slow}")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child(sys.argv[1], int(sys.argv[2]))
    else:
        main()
