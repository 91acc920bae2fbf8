"""The audit benchmark (benchmarks/audit_bench.py) at CI size: 20,000 claim lines audited by two real
workers on PostgreSQL and Redis, and in one process on SQLite; each in well under a minute. The
figures are printed for the CI log; `make bench` runs it at 1,000,000 lines."""

import os
import subprocess
import sys
import time

import pytest

from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration

LINES = "20000"
RULES = ("R10.1", "R10.2", "R3.4", "R6.1", "A1", "A2", "A3", "A4", "A5", "A6")


def _bench(env: dict[str, str]) -> str:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "benchmarks/audit_bench.py", LINES],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    print(done.stdout)
    assert seconds < 60, f"the CI-sized benchmark took {seconds:.0f} s"
    return done.stdout


def test_the_benchmark_audits_with_two_workers_on_postgresql():
    out = _bench(dict(os.environ))
    assert "on postgresql" in out and "by two celery worker processes" in out
    assert "peak memory per worker process" in out and "ratio" in out
    assert "the same audit again (the next night's)" in out and " 0 new, 0 cleared" in out
    for rule in RULES:
        assert f"'{rule}': " in out


def test_the_benchmark_runs_on_sqlite_without_services():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    out = _bench(env)
    assert "on sqlite" in out and "one process (SQLite: one writer at a time)" in out
    for rule in RULES:
        assert f"'{rule}': " in out
