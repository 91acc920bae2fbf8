"""Large uploads into a class, imported by a Celery task behind a progress bar (issue 17).

An upload with more rows than IMPORT_ASYNC_ROWS (counted without reading its cells,
apps.core.tabular.table_rows) is kept in private storage, an `ImportJob` row is written and a
task reads it with the same importers and services as a small upload, in one transaction: every
row's error at once and nothing saved, or everything saved. Smaller uploads stay in the request.

Lifecycle `queued → running → finished | failed`, changed here only. The job row is its own log
(who, what, which class, when, how it ended), so no state-change rows are written. While the task
runs, how far it has read lives in the cache (the import's transaction hides the job row's own
updates from the page until it commits), under `progress_key(job)`.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import transaction
from django.utils import timezone

from apps.core.lifecycle import Lifecycle, Transition, Who, anyone, move, register

from ..models import ImportJob, ImportStatus

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.classes.models import TrainingClass

logger = logging.getLogger(__name__)
S = ImportStatus
_WORKER = "system"
LIFECYCLE: Lifecycle[ImportJob] = register(
    Lifecycle(
        name="导入任务",
        noun="导入状态",
        model=ImportJob,
        states=S,
        transitions=(
            Transition(S.QUEUED, S.RUNNING, "开始导入", _WORKER),
            Transition(
                S.RUNNING,
                S.RUNNING,
                "重新导入",
                _WORKER,
                does="任务被重新投递（worker 中断）：从头再读，此前未保存任何数据",
            ),
            Transition(S.RUNNING, S.FINISHED, "导入完成", _WORKER, does="一次保存全部行，删除上传的文件"),
            Transition(
                S.RUNNING,
                S.FAILED,
                "未导入",
                _WORKER,
                does="记录每一行的错误，不保存任何数据，删除上传的文件",
            ),
            Transition(S.QUEUED, S.FAILED, "未导入", _WORKER, does="上传的文件已不存在"),
        ),
        roles={_WORKER: Who("导入任务（Celery）", anyone)},
        log=False,
        description="行数超过 IMPORT_ASYNC_ROWS 的上传由 Celery 任务导入，页面显示进度；任务行本身就是日志。",
    )
)
FAILURE_MESSAGE = "导入失败，未导入任何数据。请重新上传；多次失败请联系管理员。"
STUCK_MESSAGE = "导入任务长时间未完成（任务队列暂不可用或任务中断），已停止，未导入任何数据，请重新上传。"


def import_storage() -> Storage:
    """Where uploads wait for their task: IMPORT_STORAGE_ROOT when set, else the default storage
    (media/, never served by the portal)."""
    root = settings.IMPORT_STORAGE_ROOT
    return FileSystemStorage(location=root) if root else default_storage


def progress_key(job: ImportJob) -> str:
    return f"trainees:import-job:{job.pk}:rows"


def job_progress(job: ImportJob) -> int:
    """The rows read so far: the cache while it runs, the job row once it has ended."""
    if job.status == S.RUNNING:
        return int(cache.get(progress_key(job)) or job.rows_done)
    return job.rows_done


def import_job_create(
    *, actor: User, training_class: TrainingClass, kind: str, upload: Any, filename: str, rows: int
) -> ImportJob:
    """Keep the upload in private storage under an unguessable name and write the job, queued.
    The caller queues the task after its transaction commits."""
    suffix = Path(filename).suffix.lower()
    name = f"imports/{uuid.uuid4().hex}{suffix}"
    if hasattr(upload, "seek"):
        upload.seek(0)
    stored = import_storage().save(name, upload)
    return ImportJob.objects.create(
        requested_by=actor,
        training_class=training_class,
        kind=kind,
        file_name=Path(filename).name[:255],
        file=stored,
        rows_total=rows,
    )


def _move(job: ImportJob, to: str) -> None:
    move(LIFECYCLE, job, actor=None, to=to, lock=False, save=False)


def import_job_started(*, job: ImportJob) -> None:
    _move(job, S.RUNNING)
    job.started_at = timezone.now()
    job.rows_done = 0
    job.save(update_fields=["status", "started_at", "rows_done"])
    cache.set(progress_key(job), 0, timeout=settings.CELERY_TASK_TIME_LIMIT)


def import_job_heard(*, job: ImportJob, rows: int) -> None:
    """How far the reader is (data rows), for the progress bar."""
    cache.set(progress_key(job), max(0, rows - 1), timeout=settings.CELERY_TASK_TIME_LIMIT)


def import_job_ended(
    *,
    job: ImportJob,
    result: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    message: str = "",
) -> ImportJob:
    """Finished with its counts, or failed with its row errors or a message; the upload deleted."""
    _move(job, S.FAILED if result is None else S.FINISHED)
    job.finished_at = timezone.now()
    job.result = result or {}
    job.errors = errors or []
    job.message = message
    job.rows_done = job.rows_total if result is not None else job_progress(job)
    _forget_file(job)
    job.save(update_fields=["status", "finished_at", "result", "errors", "message", "rows_done", "file"])
    cache.delete(progress_key(job))
    return job


def import_job_fail(*, job_id: int, message: str) -> None:
    """queued | running → failed with what the user is told (the queue was down, the task was
    lost), the upload deleted; a job already ended, or running under a worker's lock, is left."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.status not in (S.QUEUED, S.RUNNING):
            return
        import_job_ended(job=job, message=message)


def _forget_file(job: ImportJob) -> None:
    if job.file:
        try:
            import_storage().delete(job.file)
        except OSError:  # already gone: nothing of it is kept either way
            logger.warning("import %s: the upload was already deleted", job.pk)
        job.file = ""


def import_job_open(*, job: ImportJob) -> Any:
    """The stored upload, for the task to read."""
    return import_storage().open(job.file, "rb")
