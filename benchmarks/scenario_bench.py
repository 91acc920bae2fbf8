"""Benchmark of a policy what-if replay (issue 19): every claim line of the generated population
quoted again by the rules engine under a scenario (日补贴标准 +10%, one per funding year, all drafted
at once), against the batch audit of the same lines in the same run. Aim: the replay takes at most
2× the audit's time, with flat memory per worker.

Run from the repository root: ``.venv/bin/python benchmarks/scenario_bench.py [LINES]`` (``make
bench``). LINES (or SCENARIO_BENCH_LINES) sets the size: 1,000,000 on PostgreSQL, 20,000 on SQLite
by default. On PostgreSQL with CELERY_BROKER_URL both run on the same two real `celery worker`
processes (solo pool; the bench's own Redis database 4), each worker's peak memory printed; on
SQLite (one writer at a time) or without a broker each runs in one process of its own, tasks
in-process. The world is benchmarks/_population.py's (`generate`).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._environment import ROOT, prepare, size

WORKDIR, USE_SQLITE_FILE = prepare("scenario-bench-", broker_db=4)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.audits.models import AuditRun  # noqa: E402
from apps.claims.models import Claim  # noqa: E402
from apps.scenarios.models import Scenario  # noqa: E402
from benchmarks._population import database_url, generate, on_throwaway_database, peak_kb, workers  # noqa: E402
from benchmarks._report import against  # noqa: E402

DEFAULT_LINES = 20_000 if USE_SQLITE_FILE else 1_000_000
AIM = 2.0
CHANGE = [{"field": "rate", "op": "percent", "value": "10"}]

AUDIT = """
import time, resource, django
django.setup()
from apps.audits import services
from apps.accounts.models import User
started = time.perf_counter()
run = services.audit_run_start(actor=User.objects.get(username="bench-admin"), scope="all")
run.refresh_from_db()
print(run.status, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

REPLAY = f"""
import time, resource, django
django.setup()
from apps.scenarios.services import scenario_create
from apps.accounts.models import User
from apps.claims.models import Claim
admin = User.objects.get(username="bench-admin")
started = time.perf_counter()
for year in sorted(set(Claim.objects.values_list("year", flat=True))):
    scenario_create(actor=admin, name="bench", district=None, year=year, changes={CHANGE!r})
print("finished", time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _in_process(code: str) -> tuple[float, list[int]]:
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    status, seconds, peak = out[-3:]
    assert status == "finished", status
    return float(seconds), [int(peak)]


def _until_done(model, ids) -> None:
    while model.objects.filter(pk__in=ids, status__in=("queued", "running")).exists():
        time.sleep(0.05)


def with_workers(admin: User) -> tuple[float, list[int], float, list[int]]:
    """The audit, then the replays, each on the same two fresh workers."""
    from apps.audits import services as audits
    from apps.scenarios import services as scenarios

    with workers(2, "audit", WORKDIR, ROOT) as pids:
        started = time.perf_counter()
        run = audits.audit_run_start(actor=admin, scope="all")
        _until_done(AuditRun, [run.pk])
        audit_s, audit_kb = time.perf_counter() - started, [peak_kb(pid) for pid in pids]
    assert AuditRun.objects.get(pk=run.pk).status == "finished"
    with workers(2, "replay", WORKDIR, ROOT) as pids:
        started = time.perf_counter()
        ids = [
            scenarios.scenario_create(actor=admin, name="bench", district=None, year=year, changes=CHANGE).pk
            for year in sorted(set(Claim.objects.values_list("year", flat=True)))
        ]
        _until_done(Scenario, ids)
        replay_s, replay_kb = time.perf_counter() - started, [peak_kb(pid) for pid in pids]
    return audit_s, audit_kb, replay_s, replay_kb


SAMPLE = 20_000


def engine_alone() -> float:
    """Seconds a quote takes in the rules engine alone, on touched lines' own inputs."""
    from apps.claims.models import ClaimLine
    from apps.scenarios import engine

    inputs = list(ClaimLine.objects.filter(inputs__has_key="rate").values_list("inputs", flat=True)[:SAMPLE])
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for one in inputs:
            engine.replay(one, CHANGE)
        best = min(best, time.perf_counter() - started)
    return best / max(len(inputs), 1)


def run() -> None:
    world = generate(size("SCENARIO_BENCH_LINES", DEFAULT_LINES), WORKDIR)
    admin = User.objects.create(username="bench-admin", role=Role.MUNICIPAL_ADMIN)
    if connection.vendor == "postgresql" and os.environ.get("CELERY_BROKER_URL"):
        how, processes = "two celery worker processes", 2
        audit_s, audit_kb, replay_s, replay_kb = with_workers(admin)
    else:
        how = "one process each (SQLite: one writer at a time)" if USE_SQLITE_FILE else "one process each"
        processes = 1
        audit_s, audit_kb = _in_process(AUDIT)
        replay_s, replay_kb = _in_process(REPLAY)
    scenarios = list(Scenario.objects.all())
    failed = [s for s in scenarios if s.status != "finished"]
    assert not failed, [(s.pk, s.status, s.error) for s in failed]
    done = sum(s.lines_done for s in scenarios)
    changed = sum(s.lines_changed for s in scenarios)
    unquotable = sum(s.results.get("unquotable", 0) for s in scenarios)
    chunks = sum(s.chunks.count() for s in scenarios)

    def mb(peaks: list[int]) -> str:
        return ", ".join(f"{kb / 1024:.0f} MB" for kb in peaks)

    print(
        f"{world['lines']:,} claim lines on {connection.vendor}, by {how}: batch audit {audit_s:.2f} s "
        f"(peak {mb(audit_kb)}), replay under 日补贴标准 +10% {replay_s:.2f} s (peak {mb(replay_kb)}; "
        f"{done:,} lines replayed in {chunks} chunks, a scenario per year, {changed:,} changed, "
        f"{unquotable:,} whose generated inputs the engine does not read)"
    )
    ratio = replay_s / audit_s
    print(f"replay / audit: {against(ratio, AIM)}")
    if ratio > AIM:
        per_quote = engine_alone()
        floor = per_quote * changed / processes
        print(
            f"the floor of the replay: the rules engine alone takes {per_quote * 1e6:.0f} µs a quote "
            f"(parse + quote of a touched line's inputs, best of 3 over {SAMPLE:,}), so the "
            f"{changed:,} quotes take at least {floor:.1f} s on {processes} process(es), "
            f"{floor / audit_s:.1f}× the audit before any line is read or written"
        )


def main() -> None:
    on_throwaway_database(run, name=f"scenario_bench_{os.getpid()}", in_place=USE_SQLITE_FILE)


if __name__ == "__main__":
    try:
        main()
    finally:
        for item in WORKDIR.iterdir():
            item.unlink()
        WORKDIR.rmdir()
