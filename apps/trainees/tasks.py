from __future__ import annotations

from celery import shared_task

from .imports import jobs


@shared_task(name="trainees.import_run", acks_late=True)
def import_run(job_id: int) -> str:
    """Import one large upload into its class. Takes the job's id; idempotent (an ended job is
    left alone; a job left running by a dead worker saved nothing and is read again), so a
    message redelivered after a worker died is safe to acknowledge late."""
    return jobs.import_job_run(job_id=job_id).status


@shared_task(name="trainees.sweep", acks_late=True)
def import_jobs_sweep() -> dict[str, list[int]]:
    """Imports whose message was lost (queued or running too long): sent again once, then failed
    (imports.jobs.import_jobs_sweep). Idempotent: a resend is recorded before it is sent."""
    return jobs.import_jobs_sweep()
