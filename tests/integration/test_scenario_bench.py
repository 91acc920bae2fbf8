"""The what-if benchmark (benchmarks/scenario_bench.py) at CI size: 5,000 claim lines, the batch
audit and the replay on the same two real workers on PostgreSQL and Redis. Its ratio means little
at this size (the aim is `make bench`'s, at 1,000,000 lines); what is checked is that it runs
through, every scenario finished, and that it states the ratio against its aim."""

import os
import subprocess
import sys

import pytest

from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration


def test_the_scenario_benchmark_replays_with_two_workers():
    done = subprocess.run(
        [sys.executable, "benchmarks/scenario_bench.py", "5000"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    out = done.stdout
    print(out)
    assert "on postgresql, by two celery worker processes" in out
    assert "replay / audit: " in out and "(aim ≤ 2×: " in out
