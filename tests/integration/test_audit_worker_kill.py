"""A real worker killed with SIGKILL in the middle of an audit: a new worker finishes the run with
exactly the findings of an uninterrupted run, none twice.

How the kill lands mid-run, every time: the test holds a SHARE lock on the findings table, which
lets everyone read it but nobody write to it. The run plans, projects its lines and sign-ins into
its scratch tables (several slices done), then the worker starts the first check slice (the
institutions': A5 is written first) and waits to write its first finding. The worker is killed
there, inside that slice's transaction; the lock is let go; after
the Redis visibility timeout (shortened through CELERY_VISIBILITY_TIMEOUT) the slice's
unacknowledged message is delivered to a new worker, which finds the slice undone and does it whole.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import psycopg2
import pytest
from django.db import connection

from apps.audits import services
from apps.audits.models import AuditChunk, AuditRun
from tests.audits.conftest import World, at
from tests.factories import (
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    OccupationFactory,
    UserFactory,
    district,
)
from tests.integration.conftest import ROOT, _database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VISIBILITY = 3  # seconds
D = date


def _start_worker(name: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "AUDIT_CHUNK_LINES": "6",  # a handful of lines per slice: several slices of each kind
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"audit-{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _build() -> None:
    """Persons breaking R10.1, R10.2, R3.4, A1, A2, A3 and A4 over two districts, with sign-ins."""
    OccupationFactory(cook=True)
    world = World(
        yuzhong=district("500103"),
        wanzhou=district("500101"),
        school=NumberedInstitutionFactory(),
        employer=NumberedEmployerFactory(),
    )
    for n in range(6):
        p = world.person()
        where = world.wanzhou if n % 2 else world.yuzhong
        for month in (3, 5, 7, 9):
            world.training(
                p, D(2021, month, 1), D(2021, month, 20), district=where, occupation="6-18-01-01", level=5
            )
        world.training(p, D(2021, 9, 1), D(2021, 11, 30), kind="work_for_training")
    saturday = D(2021, 6, 5)
    for n in range(3):
        day = saturday + timedelta(days=7 * n)
        first = world.training_class(day, day, [(day, "09:00", "12:00", "offline")], name=f"车工班{n}")
        second = world.training_class(
            day, day, [(day, "10:00", "13:00", "offline")], name=f"焊工班{n}", level=3
        )
        claims = (world.completion(first), world.completion(second))
        for _ in range(6):
            p = world.person()
            lines = [world.enrol(claim, p, attended=(5, 0)) for claim in claims]
            # To the second, from an online platform: A2 reads only such sign-ins.
            world.sign_in(
                lines[0].enrolment,
                first.sessions.get(),
                at(day, "09:00:01"),
                at(day, "12:00"),
                source="online_platform",
            )
            world.sign_in(lines[1].enrolment, second.sessions.get(), at(day, "10:00"), at(day, "13:00"))


def _facts(run: AuditRun) -> set:
    rows = run.findings.exclude(change="cleared").values_list(
        "rule", "subject", "line_id", "other_line_id", "details"
    )
    return {
        (rule, subject, line, other, repr(sorted(details.items())))
        for rule, subject, line, other, details in rows
    }


def test_a_worker_killed_mid_run_leaves_nothing_half_done(tmp_path, monkeypatch):
    from config.celery import app

    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's table locks: run it with `make test`")
    monkeypatch.setitem(app.conf, "broker_transport_options", {"visibility_timeout": VISIBILITY})
    app.control.purge()  # nothing left over from earlier tests reaches these workers
    _build()
    admin = UserFactory(municipal_admin=True)
    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
    )
    log = (tmp_path / "workers.log").open("w")
    first = _start_worker("first", log)
    second = None
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE audits_auditfinding IN SHARE MODE")
        run = services.audit_run_start(actor=admin, scope="all")

        def killed_mid_slice() -> bool:
            done = AuditChunk.objects.filter(run=run, phase=1, done_at__isnull=False).count()
            with blocker.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'audits_auditfinding' AND NOT l.granted"
                )
                (waiting,) = cursor.fetchone()
            return done >= 2 and waiting >= 1

        _wait(killed_mid_slice, 60, "the worker to wait inside a person slice")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        run.refresh_from_db()
        undone = AuditChunk.objects.filter(run=run, done_at__isnull=True).count()
        assert run.status == "running" and undone >= 2
        assert not run.findings.exists()
        blocker.rollback()  # the lock goes; the dead worker's transaction is rolled back
        time.sleep(VISIBILITY + 1)
        second = _start_worker("second", log)
        _wait(
            lambda: AuditRun.objects.get(pk=run.pk).status in ("finished", "failed"),
            120,
            "the new worker to finish the run",
        )
        run.refresh_from_db()
        assert run.status == "finished", run.error
        assert not AuditChunk.objects.filter(run=run, done_at__isnull=True).exists()

        again = services.audit_run_start(actor=admin, scope="all")
        _wait(
            lambda: AuditRun.objects.get(pk=again.pk).status in ("finished", "failed"),
            120,
            "the uninterrupted run",
        )
        again.refresh_from_db()
        assert again.status == "finished", again.error
    except AssertionError as exc:
        log.flush()
        raise AssertionError(
            f"{exc}\n--- workers' log ---\n{(tmp_path / 'workers.log').read_text()[-4000:]}"
        ) from exc
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
        blocker.close()
        log.close()
    interrupted, uninterrupted = _facts(run), _facts(again)
    assert interrupted == uninterrupted
    assert run.findings.count() == len(interrupted) == run.findings_count
    assert {rule for rule, *_ in interrupted} == {"R10.1", "R10.2", "R3.4", "A1", "A2", "A3", "A4"}
    assert (again.appeared_count, again.persisting_count, again.cleared_count) == (0, run.findings_count, 0)
