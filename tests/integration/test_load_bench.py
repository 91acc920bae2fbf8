"""The load benchmark (benchmarks/load_bench.py) at CI size: a city of 3,000 claim lines, the demo
world and its copied logins, gunicorn and a worker as in production, Locust with 2 users for a few
seconds. Its figures mean nothing at this size (the aims are `make bench`'s, at 1,000,000 lines);
what is checked is that it still runs through: the city built and audited, the users' requests
answered, no server error. A benchmark that has rotted (a model it builds changed under it) fails
here, not on the day someone measures."""

import os
import subprocess
import sys

import pytest

from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration


def test_the_load_benchmark_runs_through_at_ci_size():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "LOAD_BENCH_LINES": "3000",
        "LOAD_BENCH_USERS": "2",
        "LOAD_BENCH_SECONDS": "3",
    }
    env.pop("LOAD_BENCH_KEEP", None)
    done = subprocess.run(
        [sys.executable, "benchmarks/load_bench.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-4000:]
    out = done.stdout
    print(out)
    assert "populated " in out and "batch audit of the city by the worker: finished" in out
    assert "0 errors (ok)" in out and "server errors logged: 0 (ok)" in out
    assert "/healthz" in out and "page: " in out  # which others: as the users' roles fall
