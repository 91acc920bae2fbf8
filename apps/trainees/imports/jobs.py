"""A large upload into a class, imported by a Celery task (services.jobs keeps the job and its
state): the same importers and services as an upload read in the request, in one transaction.

`import_or_queue` is what each import's page and API call first: a file with more rows than
IMPORT_ASYNC_ROWS becomes a queued job (the caller shows its progress page or answers 202), a
smaller one is left to the caller, who imports it at once as before. A file the upload guard
refuses (apps.core.uploads) is refused here, before anything is stored.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.tabular import TableErrors, reading_progress, table_rows
from apps.core.tasks import QUEUE_UNAVAILABLE, publish_on_commit, sweep_jobs

from ..models import ImportJob, ImportKind, ImportStatus
from ..services import jobs
from ..services.enrolment import roster_import
from .attendance import attendance_import
from .results import results_import
from .roster import parse_roster

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.classes.models import TrainingClass

logger = logging.getLogger(__name__)


def import_or_queue(
    *, actor: User, training_class: TrainingClass, kind: str, upload: Any, filename: str
) -> ImportJob | None:
    """A queued job for a large file (its task sent once the caller's transaction commits), or
    None: import it in the request."""
    rows = table_rows(upload, filename=filename, kind=kind)
    if rows <= settings.IMPORT_ASYNC_ROWS:
        return None
    job = jobs.import_job_create(
        actor=actor, training_class=training_class, kind=kind, upload=upload, filename=filename, rows=rows
    )
    from ..tasks import import_run

    job_id = job.pk
    publish_on_commit(
        import_run, job_id, on_failure=lambda: jobs.import_job_fail(job_id=job_id, message=QUEUE_UNAVAILABLE)
    )
    return job


def import_jobs_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """The sweeper (beat, every TASK_SWEEP_MINUTES; apps.core.tasks.sweep_jobs), as for exports:
    a job whose message was lost is sent again once (the task reads a running job again from the
    start); still not ended TASK_STUCK_FAIL_AFTER after that, it fails and the uploader is told
    to upload again."""
    from ..tasks import import_run

    return sweep_jobs(
        ImportJob,
        import_run,
        fail=lambda job_id, message: jobs.import_job_fail(job_id=job_id, message=message),
        stuck_message=jobs.STUCK_MESSAGE,
        now=now or timezone.now(),
    )


def _import(job: ImportJob, source: Any) -> dict[str, Any]:
    """The kind's importer, as a small upload's page calls it; its counts."""
    actor, training_class, name = job.requested_by, job.training_class, job.file_name
    if job.kind == ImportKind.ROSTER:
        roster = parse_roster(source, training_class=training_class, filename=name)
        return asdict(roster_import(training_class=training_class, actor=actor, roster=roster))
    if job.kind == ImportKind.RESULTS:
        counts = results_import(actor=actor, training_class=training_class, source=source, filename=name)
    else:
        source_kind = "sign_in_sheet" if job.kind == ImportKind.SIGN_IN_SHEET else "online_platform"
        counts = attendance_import(
            actor=actor, training_class=training_class, source=source, filename=name, kind=source_kind
        )
    return asdict(counts)


def import_job_run(*, job_id: int) -> ImportJob:
    """Import the job's file: everything saved, or nothing and every row's error. A finished or
    failed job is left as it is, so a message delivered twice imports nothing twice; a job found
    running was interrupted (its transaction rolled back) and is read again from the start."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .select_related("requested_by", "training_class")
            .get(pk=job_id)
        )
        if job.status in (ImportStatus.FINISHED, ImportStatus.FAILED):
            return job
        if not job.file:
            return jobs.import_job_ended(job=job, message="上传的文件已不存在，请重新上传")
        jobs.import_job_started(job=job)
    token = reading_progress.set(lambda rows: jobs.import_job_heard(job=job, rows=rows))
    try:
        with jobs.import_job_open(job=job) as source, transaction.atomic():
            result = _import(job, source)
    except TableErrors as exc:
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.errors]
        return jobs.import_job_ended(job=job, errors=errors, message=exc.message)
    except ApplicationError as exc:
        return jobs.import_job_ended(job=job, message=str(exc))
    except Exception:
        logger.exception("import %s failed", job.pk)
        return jobs.import_job_ended(job=job, message=jobs.FAILURE_MESSAGE)
    finally:
        reading_progress.reset(token)
    return jobs.import_job_ended(job=job, result=result)
