"""Benchmark of a policy what-if replay (issue 19): every claim line of the generated population
quoted again by the rules engine under a scenario (日补贴标准 +10%, one per funding year), against
the batch audit of the same lines in the same run. Aim: the replay takes at most 2× the audit's time.

Run from the repository root: ``.venv/bin/python benchmarks/scenario_bench.py [LINES]`` (``make
bench``). LINES (or SCENARIO_BENCH_LINES) sets the size: 100,000 on PostgreSQL, 20,000 on SQLite
by default. Both run in one process of their own, tasks in-process (the replay is one task: it is
not fanned out over workers yet), each process's peak memory printed. The world is
benchmarks/_population.py's (`generate`).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
WORKDIR = Path(tempfile.mkdtemp(prefix="scenario-bench-"))
USE_SQLITE_FILE = not os.environ.get("DATABASE_URL")
if USE_SQLITE_FILE:
    os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.pop("CELERY_RESULT_BACKEND", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from benchmarks._population import generate, on_throwaway_database  # noqa: E402
from benchmarks._report import against  # noqa: E402

DEFAULT_LINES = 20_000 if USE_SQLITE_FILE else 100_000
AIM = 2.0

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

REPLAY = """
import time, resource, django
django.setup()
from apps.scenarios.models import Scenario
from apps.scenarios.services import scenario_replay
from apps.accounts.models import User
from apps.claims.models import Claim
admin = User.objects.get(username="bench-admin")
seconds = done = changed = unquotable = 0
for year in sorted(set(Claim.objects.values_list("year", flat=True))):
    scenario = Scenario.objects.create(
        name="bench", year=year, created_by=admin, changes=[{"field": "rate", "op": "percent", "value": "10"}]
    )
    started = time.perf_counter()
    scenario = scenario_replay(scenario.pk)
    seconds += time.perf_counter() - started
    assert scenario.status == "finished", scenario.error
    done += scenario.lines_done
    changed += scenario.lines_changed
    unquotable += scenario.results.get("unquotable", 0)
print("finished", seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, done, changed, unquotable)
"""


def size() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SCENARIO_BENCH_LINES", "")
    return int(raw.replace(",", "").replace("_", "")) if raw else DEFAULT_LINES


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _in_process(code: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": _database_url()}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()


def run() -> None:
    world = generate(size(), WORKDIR)
    User.objects.create(username="bench-admin", role=Role.MUNICIPAL_ADMIN)
    status, audit_s, audit_kb = _in_process(AUDIT)[-3:]
    assert status == "finished", status
    out = _in_process(REPLAY)
    status, replay_s, replay_kb, done, changed, unquotable = out[-6:]
    assert status == "finished", status
    ratio = float(replay_s) / float(audit_s)
    print(
        f"{world['lines']:,} claim lines on {connection.vendor}: batch audit {float(audit_s):.2f} s "
        f"(peak {int(audit_kb) / 1024:.0f} MB), replay under 日补贴标准 +10% {float(replay_s):.2f} s "
        f"(peak {int(replay_kb) / 1024:.0f} MB; {int(done):,} lines replayed, a scenario per year, "
        f"{int(changed):,} changed, {int(unquotable):,} whose generated inputs the engine does not read)"
    )
    note = "" if ratio <= AIM else " — the replay is one task, not yet fanned out over workers"
    print(f"replay / audit: {against(ratio, AIM)}{note}")


def main() -> None:
    on_throwaway_database(run, name=f"scenario_bench_{os.getpid()}", in_place=USE_SQLITE_FILE)


if __name__ == "__main__":
    try:
        main()
    finally:
        for item in WORKDIR.iterdir():
            item.unlink()
        WORKDIR.rmdir()
