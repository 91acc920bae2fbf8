"""Benchmark of the ledger export: EXPORT_BENCH_ROWS ledger entries (by default 1,000,000 on
PostgreSQL, 100,000 on SQLite) over 10 districts × 3 years, exported whole as the Celery task
does, against the bare writer writing the same rows.

Run from the repository root: ``.venv/bin/python benchmarks/export_ledger.py`` (``make bench``);
on PostgreSQL: ``scripts/with-services.sh .venv/bin/python benchmarks/export_ledger.py``.

Database: DATABASE_URL when set (a throwaway test database is created on that server and dropped
afterwards, as the test runner does; rows go in through COPY); otherwise a temporary SQLite
file, migrated first.

What is timed:
- the export: apps.exports.services.export_build of a queued job, everything the task does
  (the query through a server-side cursor, each row turned into cells, the constant-memory
  writer, the summary sheet against balances(), storing the file), in a fresh child process so
  that its peak resident memory (getrusage) is the export's alone;
- the bare writer: XlsxWriter in constant-memory mode writing the same cells, pre-built in a
  list beforehand, with the same columns, formats and header, in this process.
The ratio is export / bare writer: we aim at 1.25× or less, with a peak under 250 MB.

Measured on the CI machine (2 CPUs), PostgreSQL 15, 1,000,000 entries: export 141.4 s with a peak
of 71 MB, bare writer 158.2 s (0.89×), reading and cells 18.3 s; SQLite, 100,000: 11.3 s against
10.8 s (1.05×), 70 MB.
"""

import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
CHILD = len(sys.argv) == 3 and sys.argv[1] in ("--export", "--bare")
WORKDIR = Path(os.environ["EXPORT_STORAGE_ROOT"]) if CHILD else Path(tempfile.mkdtemp(prefix="export-bench-"))
os.environ["EXPORT_STORAGE_ROOT"] = str(WORKDIR)
USE_SQLITE_FILE = not os.environ.get("DATABASE_URL")
if USE_SQLITE_FILE:
    os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

import xlsxwriter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.catalog.models import District  # noqa: E402
from apps.exports.filters import ExportFilter  # noqa: E402
from apps.exports.models import ExportJob, ExportKind  # noqa: E402
from apps.exports.selectors import ledger_entries  # noqa: E402
from apps.exports.services import export_build  # noqa: E402
from apps.exports.workbooks.kinds import LEDGER_COLUMNS, ledger_rows  # noqa: E402
from apps.exports.workbooks.writer import EXCEL_MAX_ROWS, NUMBER_FORMATS  # noqa: E402
from benchmarks._report import against  # noqa: E402
from tests.exports.seed import seed_ledger  # noqa: E402

DISTRICTS = 10
YEARS = (2021, 2022, 2023)


def peak_mb() -> float:
    """This process's peak resident memory. Linux carries getrusage's maxrss over an exec from
    the parent, so read the process image's own high-water mark where there is one."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def export_child(job_id: int) -> dict:
    """The export alone, in a fresh process: its time and peak memory."""
    before = peak_mb()
    start = time.perf_counter()
    job = export_build(job_id=job_id)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "before_mb": before,
        "status": job.status,
        "rows": job.row_count,
        "error": job.error,
    }


def bare_child(user_id: int) -> dict:
    """In a fresh process too: the same cells built beforehand (timed apart), then the bare writer."""
    start = time.perf_counter()
    entries = ledger_entries(user=User.objects.get(pk=user_id), filters=ExportFilter())
    rows = list(ledger_rows(entries, id_number=lambda number: number, totals={}))
    cells = time.perf_counter() - start
    # The export holds no rows; without this the collector would walk the pre-built ones again
    # and again while the bare writer runs, and charge it for them.
    gc.freeze()
    return {"seconds": bare_writer(rows, WORKDIR / "bare.xlsx"), "cells": cells, "rows": len(rows)}


def in_child(mode: str, pk: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, mode, str(pk)],
        env={**os.environ, "DATABASE_URL": database_url(), "EXPORT_STORAGE_ROOT": str(WORKDIR)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def bare_writer(rows: list[tuple], path: Path) -> float:
    """XlsxWriter alone, with the export's columns, formats and header, on pre-built rows."""
    start = time.perf_counter()
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(WORKDIR),
        },
    )
    formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
    header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "bottom": 1, "text_wrap": True})
    per_sheet = EXCEL_MAX_ROWS - 1
    sheet = None
    for index, row in enumerate(rows):
        if index % per_sheet == 0:
            sheet = book.add_worksheet("台账" if index == 0 else f"台账 ({index // per_sheet + 1})")
            for col, column in enumerate(LEDGER_COLUMNS):
                sheet.set_column(col, col, column.width, formats.get(column.kind))
            sheet.write_row(0, 0, [c.header for c in LEDGER_COLUMNS], header)
            sheet.freeze_panes(1, 0)
        sheet.write_row(index % per_sheet + 1, 0, row)
    book.close()
    return time.perf_counter() - start


def run() -> None:
    default = 100_000 if connection.vendor == "sqlite" else 1_000_000
    count = int(os.environ.get("EXPORT_BENCH_ROWS") or default)
    admin = User.objects.create(username="bench-admin", full_name="基准测试管理员", role=Role.MUNICIPAL_ADMIN)
    districts = list(District.objects.order_by("sort_order", "code")[:DISTRICTS])
    start = time.perf_counter()
    seed_ledger(rows=count, districts=districts, years=YEARS, actor=admin)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - start
    print(
        f"{connection.vendor}: {count:,} ledger entries over {DISTRICTS} districts × {len(YEARS)} years, "
        f"seeded in {seeded:.1f} s"
    )

    job = ExportJob.objects.create(
        requested_by=admin,
        kind=ExportKind.LEDGER,
        filters=ExportFilter().to_json(),
        description=ExportFilter().describe(kind=ExportKind.LEDGER, district_names={}),
        total_rows=count,
        file_name="bench.xlsx",
    )
    connection.close()  # each child opens its own
    export = in_child("--export", job.pk)
    if export["status"] != "finished" or export["rows"] != count:
        raise SystemExit(f"the export did not finish: {export}")
    job.refresh_from_db()
    size = (WORKDIR / job.file).stat().st_size
    bare_run = in_child("--bare", admin.pk)
    bare, cells = bare_run["seconds"], bare_run["cells"]
    ratio = export["seconds"] / bare
    print(
        f"  export (the task's work, child process): {export['seconds']:.1f} s, "
        f"peak memory {export['peak_mb']:.0f} MB ({export['before_mb']:.0f} MB before it began), "
        f"{size / 2**20:.0f} MB file"
    )
    print(f"  bare writer, the same {bare_run['rows']:,} pre-built rows (child process): {bare:.1f} s")
    print(
        f"  ratio export / bare writer: {against(ratio, 1.25, digits=2)}; "
        f"peak memory {against(export['peak_mb'], 250, unit=' MB', digits=0)}"
    )
    # A bare writer on a million rows held in memory pays for walking them (cache misses), which
    # the streaming export does not: its ratio can fall below 1. What the export adds to the
    # writer is mostly reading the entries and building their cells, timed on their own here.
    print(
        f"  reading the entries and building their cells alone: {cells:.1f} s "
        f"({cells / export['seconds']:.0%} of the export); "
        f"sheet row limit {settings.EXPORT_SHEET_ROW_LIMIT:,}"
    )


def main() -> None:
    if USE_SQLITE_FILE:
        call_command("migrate", verbosity=0)
        run()
        return
    # A throwaway test database on the configured server, never the real one.
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        run()
    finally:
        teardown_databases(databases, verbosity=0)


def clean(path: Path) -> None:
    for item in sorted(path.rglob("*"), reverse=True):
        item.rmdir() if item.is_dir() else item.unlink()
    path.rmdir()


if __name__ == "__main__":
    if CHILD:
        run_child = export_child if sys.argv[1] == "--export" else bare_child
        print(json.dumps(run_child(int(sys.argv[2]))))
    else:
        try:
            main()
        finally:
            clean(WORKDIR)
