"""The sweeper of exports (exports.sweep, beat every TASK_SWEEP_MINUTES): a job whose message was
lost is sent again once, then failed with words the user can act on; the queue down at the
resend fails it at once."""

from datetime import timedelta

import kombu.exceptions
import pytest
from django.utils import timezone

from apps.exports import services, tasks
from apps.exports.models import ExportJob, ExportStatus

from .conftest import export

pytestmark = pytest.mark.django_db
S = ExportStatus


@pytest.fixture
def stuck(world, settings, sent, django_capture_on_commit_callbacks):
    """Two large exports whose messages never reached a worker: one queued 11 minutes, one left
    running 46 minutes ago (its worker gone), and one asked for a minute ago."""
    settings.EXPORT_SMALL_ROWS = 0
    settings.TASK_QUEUED_RESEND_AFTER = timedelta(minutes=10)
    settings.TASK_RUNNING_RESEND_AFTER = timedelta(minutes=45)
    settings.TASK_STUCK_FAIL_AFTER = timedelta(minutes=60)
    with django_capture_on_commit_callbacks(execute=False):
        queued, running, fresh = (export(world.admin) for _ in range(3))
    now = timezone.now()
    ExportJob.objects.filter(pk=queued.pk).update(created_at=now - timedelta(minutes=11))
    ExportJob.objects.filter(pk=running.pk).update(
        status=S.RUNNING, created_at=now - timedelta(hours=1), started_at=now - timedelta(minutes=46)
    )
    ExportJob.objects.filter(pk=fresh.pk).update(created_at=now - timedelta(minutes=1))
    return queued, running, fresh, now


def test_a_stuck_job_is_sent_again_once_then_failed(stuck, sent):
    queued, running, fresh, now = stuck
    assert tasks.export_jobs_sweep() == {"resent": [queued.pk, running.pk], "failed": []}
    assert sent == [queued.pk, running.pk]
    assert ExportJob.objects.get(pk=queued.pk).resent_at is not None
    assert ExportJob.objects.get(pk=fresh.pk).resent_at is None

    assert services.export_jobs_sweep(now=now + timedelta(minutes=5)) == {"resent": [], "failed": []}
    assert len(sent) == 2  # once only

    swept = services.export_jobs_sweep(now=now + timedelta(minutes=61))
    assert swept == {"resent": [fresh.pk], "failed": [queued.pk, running.pk]}
    for job in ExportJob.objects.filter(pk__in=[queued.pk, running.pk]):
        assert (job.status, job.error) == (S.FAILED, services.STUCK_MESSAGE)
        assert job.finished_at is not None


def test_a_job_that_finished_after_its_resend_is_left_alone(stuck, sent):
    queued, _, _, now = stuck
    services.export_jobs_sweep()
    assert tasks.export_run(queued.pk) == S.FINISHED
    assert queued.pk not in services.export_jobs_sweep(now=now + timedelta(hours=2))["failed"]
    assert ExportJob.objects.get(pk=queued.pk).status == S.FINISHED


def test_the_queue_down_at_the_resend_fails_the_job_at_once(stuck, monkeypatch):
    queued, running, _, _ = stuck

    def down(job_id):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.export_run, "delay", down)
    assert services.export_jobs_sweep() == {"resent": [], "failed": [queued.pk, running.pk]}
    assert set(ExportJob.objects.filter(pk__in=[queued.pk, running.pk]).values_list("status", "error")) == {
        (S.FAILED, "任务队列暂不可用，请稍后再试")
    }
