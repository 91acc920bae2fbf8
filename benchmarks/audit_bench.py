"""Benchmark of a full batch audit: 1,000,000 claim lines of 400,000 people across all of
Chongqing's districts, about 1 % of them breaking some rule, audited city-wide by two worker
processes; against one bare `GROUP BY id_number, year HAVING count(*) > 3` over the same lines.

Run from the repository root: ``.venv/bin/python benchmarks/audit_bench.py [LINES]`` (``make bench``).
LINES (or AUDIT_BENCH_LINES) sets the size: 1,000,000 on PostgreSQL, 50,000 on SQLite by default;
people are LINES / 2.5. Prints the audit's seconds, its findings by rule, the workers' peak memory,
and the ratio to the bare GROUP BY, run in the same database right before it (best of three).

Database: DATABASE_URL when set (a throwaway database is created on that server and dropped
afterwards, under a name of its own, so it never meets a test run's); otherwise a temporary SQLite
file. On PostgreSQL the lines go in with COPY and two real `celery worker` processes audit them,
through CELERY_BROKER_URL's Redis (its database 3, so no other worker takes the tasks). SQLite
takes one writer at a time: there the rows go in with executemany and the audit runs in one
process of its own (tasks in-process), whose peak memory is printed.

The world is benchmarks/_population.py's (`generate`).
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._environment import ROOT, prepare, size

WORKDIR, USE_SQLITE_FILE = prepare("audit-bench-", broker_db=3)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.audits.engine import checks  # noqa: E402
from apps.audits.models import AuditRun  # noqa: E402
from benchmarks._population import database_url, generate, on_throwaway_database, peak_kb, workers  # noqa: E402
from benchmarks._report import against  # noqa: E402

DEFAULT_LINES = 50_000 if USE_SQLITE_FILE else 1_000_000


def bare_group_by() -> float:
    year = checks.dialect().year('l."end"')
    sql = (
        f"SELECT p.id_number, {year.replace('%%', '%')} AS y, COUNT(*) FROM claims_claimline l "  # noqa: S608
        "JOIN trainees_person p ON p.id = l.person_id GROUP BY p.id_number, y HAVING COUNT(*) > 3"
    )
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def audit_with_workers(admin: User) -> tuple[AuditRun, float, list[int]]:
    """Two `celery worker` processes (solo pool each) on the bench's database and broker."""
    from apps.audits import services

    with workers(2, "bench", WORKDIR, ROOT) as pids:
        started = time.perf_counter()
        run = services.audit_run_start(actor=admin, scope="all")
        while AuditRun.objects.filter(pk=run.pk, status__in=("queued", "running")).exists():
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        peaks = [peak_kb(pid) for pid in pids]
    return AuditRun.objects.get(pk=run.pk), seconds, peaks


AUDIT_IN_PROCESS = """
import sys, time, resource, django
django.setup()
from apps.audits import services
from apps.accounts.models import User
started = time.perf_counter()
run = services.audit_run_start(actor=User.objects.get(username="bench-admin"), scope="all")
print(run.pk, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def audit_in_process() -> tuple[AuditRun, float, list[int]]:
    """One process of its own, tasks in-process (no broker): its peak memory is the audit's."""
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", AUDIT_IN_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    run_id, seconds, peak = int(out[-3]), float(out[-2]), int(out[-1])
    return AuditRun.objects.get(pk=run_id), seconds, [peak]


def run() -> None:
    wanted = size("AUDIT_BENCH_LINES", DEFAULT_LINES)
    started = time.perf_counter()
    world = generate(wanted, WORKDIR)
    made = time.perf_counter() - started
    print(
        f"generated {world['lines']:,} claim lines of {world['people']:,} people "
        f"({world['classes']:,} classes, {world['attendance']:,} sign-ins, {world['months']:,} 以工代训 "
        f"month rows; {world['booked']:,} claims approved or paid) on {connection.vendor} "
        f"in {made:.1f} s; "
        f"people set to break a rule: {world['breaking']}"
    )
    admin = User.objects.create(username="bench-admin", role=Role.MUNICIPAL_ADMIN)
    baseline = bare_group_by()
    if connection.vendor == "postgresql" and os.environ.get("CELERY_BROKER_URL"):
        audit, seconds, peaks = audit_with_workers(admin)
        how = "two celery worker processes"
    else:
        audit, seconds, peaks = audit_in_process()
        how = "one process (SQLite: one writer at a time)" if USE_SQLITE_FILE else "one process (no broker)"
    assert audit.status == "finished", audit.error
    by_rule = dict(audit.findings.values_list("rule").annotate(n=Count("pk")).order_by("rule"))
    flagged = audit.findings.exclude(line=None).values("line").distinct().count()
    print(
        f"audit of all open claims by {how}: {seconds:.2f} s, {audit.chunks.count()} chunks, "
        f"{audit.lines_count:,} lines in scope"
    )
    share = 100 * flagged / world["lines"]
    print(f"findings: {audit.findings_count:,} on {flagged:,} lines ({share:.2f} % of all lines)")
    print(f"findings by rule: {by_rule}")
    print(
        f"peak memory per worker process: {', '.join(f'{kb / 1024:.0f} MB' for kb in peaks)}; "
        f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(
        f"bare GROUP BY id_number, year HAVING count(*) > 3: {baseline:.3f} s (best of 3); "
        f"ratio {against(seconds / baseline, 10)}"
    )
    # The next night's run over the same claims: compared with this one, everything persists.
    again, seconds, peaks = audit_with_workers(admin) if how.startswith("two") else audit_in_process()
    assert again.status == "finished", again.error
    assert (again.appeared_count, again.persisting_count, again.cleared_count) == (0, audit.findings_count, 0)
    print(
        f"the same audit again (the next night's): {seconds:.2f} s, ratio {against(seconds / baseline, 10)}; "
        f"{again.persisting_count:,} findings persisting, {again.appeared_count} new, "
        f"{again.cleared_count} cleared; peak memory per worker process: "
        f"{', '.join(f'{kb / 1024:.0f} MB' for kb in peaks)}"
    )


def main() -> None:
    on_throwaway_database(run, name=f"audit_bench_{os.getpid()}", in_place=USE_SQLITE_FILE)


if __name__ == "__main__":
    try:
        main()
    finally:
        for item in WORKDIR.iterdir():
            item.unlink()
        WORKDIR.rmdir()
