"""Core tasks, and `publish`: the one way a task is sent for work the database already records.

A run or a job is committed `queued`, then its task is sent. When the broker is down the send
fails after a few seconds (CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_PUBLISH_RETRY_POLICY):
`publish` raises `QueueUnavailable` (an ApplicationError: the page shows it, the API answers 503),
and `publish_on_commit` first calls the caller's `on_failure`, which fails the run through its
lifecycle, so that nothing stays `queued` with no message behind it (issue 17). What a broker
loses after accepting a message, the sweepers find: `sweep_jobs` for a job of one task (exports,
imports), `apps.audits.services.audit_runs_sweep` for an audit's plan and slices.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .errors import ApplicationError
from .lifecycle import move

logger = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = "任务队列暂不可用，请稍后再试"
# The reason a run or a job failed for it, in its log and on its page.
QUEUE_UNAVAILABLE_REASON = "任务队列暂不可用"
# What a send raises when the broker cannot be reached: kombu wraps the transport's errors in its
# OperationalError; redis-py's own are listed in case one slips through unwrapped.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


class QueueUnavailable(ApplicationError):
    """The broker refused or did not answer: the work was not queued. 503 in the API."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__(QUEUE_UNAVAILABLE)


def publish(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send `task(*args, **kwargs)` (through `delay`, so a test may replace it); a broker that
    cannot be reached raises QueueUnavailable. Under eager Celery the task runs here and its own
    errors propagate unchanged."""
    try:
        task.delay(*args, **kwargs)
    except BROKER_ERRORS as exc:
        logger.warning("task %s not queued: broker unavailable (%s)", task.name, type(exc).__name__)
        raise QueueUnavailable from exc


def sweep_jobs(
    model: Any, task: Any, *, fail: Callable[[int, str], None], stuck_message: str, now: datetime
) -> dict[str, list[int]]:
    """The sweeper of a job done by one task (a model with status queued/running, created_at,
    started_at and resent_at; the task takes the job's id and is idempotent): a job queued for
    TASK_QUEUED_RESEND_AFTER, or running for TASK_RUNNING_RESEND_AFTER (past a task's hard limit:
    its worker is gone), lost its message: it is sent again, once, the resend recorded before the
    send; the queue down then fails it at once (QUEUE_UNAVAILABLE). Still not ended
    TASK_STUCK_FAIL_AFTER after the resend, it fails with `stuck_message`. `fail(job_id, message)`
    fails a job through its lifecycle. Returns the ids resent and failed."""
    done: dict[str, list[int]] = {"resent": [], "failed": []}
    for job in model.objects.filter(status__in=("queued", "running")).order_by("pk"):
        if job.resent_at is None:
            since = job.started_at or job.created_at
            queued = job.status == "queued"
            wait = settings.TASK_QUEUED_RESEND_AFTER if queued else settings.TASK_RUNNING_RESEND_AFTER
            if now - since < wait:
                continue
            if not model.objects.filter(pk=job.pk, status=job.status, resent_at__isnull=True).update(
                resent_at=now
            ):
                continue  # moved or resent meanwhile
            logger.info("%s %s %s since %s: sent again", task.name, job.pk, job.status, since.isoformat())
            try:
                publish(task, job.pk)
            except QueueUnavailable:
                fail(job.pk, QUEUE_UNAVAILABLE)
                done["failed"].append(job.pk)
            else:
                done["resent"].append(job.pk)
        elif now - max(job.resent_at, job.started_at or job.resent_at) >= settings.TASK_STUCK_FAIL_AFTER:
            fail(job.pk, stuck_message)
            done["failed"].append(job.pk)
    return done


def job_fail(lifecycle: Any, job_id: int, error: str) -> None:
    """queued | running → failed for a job of one task whose row keeps its `error` and
    `finished_at` (an export, a reconciliation): what the user is told (the queue was down, the
    job was lost or broke). A job already ended, or gone, is left as it is."""
    with transaction.atomic():
        job = lifecycle.model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in ("queued", "running"):
            return
        move(lifecycle, job, actor=None, to="failed", lock=False, save=False)
        job.error = error
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


def publish_on_commit(task: Any, *args: Any, on_failure: Callable[[], None], **kwargs: Any) -> None:
    """Send the task once the current transaction commits (a worker must find the rows it is
    sent for). The send runs after the commit, so a failure cannot roll the rows back: it calls
    `on_failure` (which fails the run or job in a transaction of its own) and then raises
    QueueUnavailable out of the commit, to the view that asked."""

    def send() -> None:
        try:
            publish(task, *args, **kwargs)
        except QueueUnavailable:
            on_failure()
            raise

    transaction.on_commit(send)


def publish_each_on_commit(
    task: Any, calls: Iterable[tuple[Any, ...]], *, on_failure: Callable[[], None]
) -> None:
    """Send `task(*args)` for each of `calls` once the current transaction commits (a run's
    slices, fanned out over the workers); the broker down at any of them calls `on_failure`
    (which fails the run) and raises QueueUnavailable, as `publish_on_commit` does."""
    calls = list(calls)

    def send() -> None:
        try:
            for args in calls:
                publish(task, *args)
        except QueueUnavailable:
            on_failure()
            raise

    transaction.on_commit(send)


def id_ranges(lo: int | None, hi: int | None, count: int, per_chunk: int) -> list[tuple[int, int]]:
    """[lo, hi] cut into equal-width ranges, about `per_chunk` of `count` rows in each (ids are
    dense enough): the slices a run fans out over the workers."""
    if lo is None or hi is None or count == 0:
        return []
    pieces = max(1, math.ceil(count / max(per_chunk, 1)))
    width = max(1, math.ceil((hi - lo + 1) / pieces))
    return [(start, min(start + width - 1, hi)) for start in range(lo, hi + 1, width)]


@shared_task(name="core.ping", acks_late=True)
def ping() -> dict[str, object]:
    """A worker's round trip: broker → worker → database → result backend.
    Idempotent (reads only), so late acknowledgement is safe."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": one == 1, "database": connection.vendor, "name": str(connection.settings_dict["NAME"])}


@shared_task(name="core.purge_idempotency_records", acks_late=True)
def purge_idempotency_records() -> int:
    """Forget API idempotency keys older than 24 hours (apps.core.idempotency); returns how many."""
    from .idempotency import KEPT_FOR
    from .models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted
