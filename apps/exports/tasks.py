from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="exports.run", acks_late=True)
def export_run(job_id: int) -> str:
    """Write one large export. Takes the job's id; idempotent (a finished job is left alone, a
    job left running by a dead worker is written again under the same name), so a message
    redelivered after a worker died is safe to acknowledge late."""
    return services.export_build(job_id=job_id).status


@shared_task(name="exports.purge_expired", acks_late=True)
def export_purge_expired() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete the files whose download link expired. Idempotent."""
    return services.export_purge_expired()


@shared_task(name="exports.sweep", acks_late=True)
def export_jobs_sweep() -> dict[str, list[int]]:
    """Every TASK_SWEEP_MINUTES (CELERY_BEAT_SCHEDULE): jobs stuck queued or running are sent again
    once, then failed (services.export_jobs_sweep). Idempotent: a resend is recorded before it is sent."""
    return services.export_jobs_sweep()
