"""Audit tasks: thin, by id, idempotent, acknowledged late (a worker that dies mid-chunk leaves its
message to be delivered again, and the chunk's transaction rolled back)."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from apps.core.errors import ApplicationError

from . import services

logger = logging.getLogger(__name__)

# What a second try can cure: a dropped database connection, a lock timeout, a line deleted by its
# claimant while the chunk was writing a finding on it (the retry no longer sees the line).
RECOVERABLE = (OperationalError, InterfaceError, IntegrityError)
RETRY: dict[str, Any] = {
    "autoretry_for": RECOVERABLE,
    "retry_backoff": 2,
    "retry_jitter": False,
    "max_retries": 3,
    "acks_late": True,
}


def _redelivered(task: Task) -> bool:
    return bool((task.request.delivery_info or {}).get("redelivered"))


class AuditTask(Task):
    """Marks the run failed once a task gives up (after its retries), with what went wrong."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
        run_id = kwargs.get("run_id", args[0] if args else None)
        if run_id is not None:
            services.audit_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(name="audits.plan_run", bind=True, base=AuditTask, **RETRY)
def plan_run(self: Task, run_id: int) -> None:
    services.audit_run_plan(run_id=run_id, resend=_redelivered(self))


@shared_task(name="audits.run_chunk", bind=True, base=AuditTask, **RETRY)
def run_chunk(self: Task, run_id: int, chunk_id: int) -> None:
    services.audit_chunk_run(chunk_id=chunk_id, resend=_redelivered(self))


@shared_task(name="audits.nightly", acks_late=True)
def nightly() -> int | None:
    """The beat schedule's nightly audit of every open claim (CELERY_BEAT_SCHEDULE). Returns the new
    run's id, or None if one is still going (or the queue is down: the run then ends failed)."""
    try:
        return services.audit_run_start_nightly().pk
    except ApplicationError as exc:
        logger.warning("nightly audit not started: %s", exc.message)
        return None


@shared_task(name="audits.sweep", acks_late=True)
def sweep() -> dict[str, list[int]]:
    """Every TASK_SWEEP_MINUTES (CELERY_BEAT_SCHEDULE): runs stuck queued or running are sent again
    once, then failed (services.audit_runs_sweep). Idempotent: a resend is recorded before it is sent."""
    return services.audit_runs_sweep()
