"""A broker that loses what it accepted (restarted without persistence) on the real Redis with a
real worker (`make test`): the run stays queued with no message behind it until the sweeper sends
it again, and then it finishes. Deselected without a broker (tests/integration/conftest.py)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audits.models import AuditRun
from apps.audits.services import audit_run_start, audit_runs_sweep
from tests.factories import UserFactory, district
from tests.integration.conftest import celery_worker_process  # noqa: F401 - the same worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_run_whose_message_was_lost_is_sent_again_by_the_sweeper_and_finishes(request, settings):
    from config.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    officer = UserFactory(officer=True)
    run = audit_run_start(actor=officer, scope="district", district=district("500103"))
    assert AuditRun.objects.get(pk=run.pk).status == "queued"
    app.control.purge()  # the broker comes back empty: the run's message is gone

    assert audit_runs_sweep(now=timezone.now() + timedelta(minutes=5)) == {"resent": [], "failed": []}
    assert audit_runs_sweep(now=timezone.now() + timedelta(minutes=11)) == {"resent": [run.pk], "failed": []}
    worker = request.getfixturevalue("celery_worker_process")
    deadline = time.monotonic() + 120
    run.refresh_from_db()
    while run.status in ("queued", "running"):
        assert time.monotonic() < deadline, f"the resent run did not finish (worker exit {worker.poll()})"
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.status == "finished", run.error
    assert run.resent_at is not None
