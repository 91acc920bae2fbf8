"""Exports: asked for, written (in the request when small, by a Celery task when large),
downloaded until the link expires, purged. The job is the log line: who, what filter, how many
rows, when.

Lifecycle `queued → running → finished | failed`, changed here only. A job found `running` is
built again from the start: its worker died and the broker redelivered the message (acks_late),
and the file is written under the job's own name, so the second build replaces the first.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import transaction
from django.utils import timezone

from apps.claims.models import Share
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition, Who, anyone, move, register
from apps.core.tasks import QUEUE_UNAVAILABLE, job_fail, publish_on_commit, sweep_jobs

from .filters import KIND_CHOICES, STATUS_CHOICES, ExportFilter
from .models import ExportJob, ExportKind, ExportStatus
from .permissions import export_policy
from .selectors import export_district_names, export_row_count, export_work_rows
from .workbooks import kinds as workbooks

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)
S = ExportStatus
_WORKER = "system"
# The export job's lifecycle. The job row is itself the log, so no state-change rows are written.
LIFECYCLE: Lifecycle[ExportJob] = register(
    Lifecycle(
        name="导出任务",
        noun="导出状态",
        model=ExportJob,
        states=S,
        transitions=(
            Transition(S.QUEUED, S.RUNNING, "开始生成", _WORKER),
            Transition(S.QUEUED, S.FAILED, "生成失败", _WORKER),
            Transition(
                S.RUNNING, S.RUNNING, "重新生成", _WORKER, does="任务被重新投递（worker 中断）：从头再写"
            ),
            Transition(S.RUNNING, S.FINISHED, "生成完成", _WORKER, does="保存文件，设定链接有效期"),
            Transition(S.RUNNING, S.FAILED, "生成失败", _WORKER),
        ),
        roles={_WORKER: Who("导出任务（请求内或 Celery）", anyone)},
        log=False,
        description="小导出在请求内生成，大导出由 Celery 任务生成；"
        "任务行本身就是日志（谁、什么条件、几行、何时）。",
    )
)
TRANSITIONS = LIFECYCLE.targets()
FAILURE_MESSAGE = "导出失败，请重新导出；多次失败请联系市人力社保局管理员。"
STUCK_MESSAGE = "导出任务长时间未完成（任务队列暂不可用或任务中断），已停止，请重新导出。"
FILE_LABELS: dict[str, str] = {
    ExportKind.LEDGER: "专账资金台账",
    ExportKind.CLAIM_LINES: "申领明细",
    ExportKind.AUDIT_FINDINGS: "稽核疑点",
}


def export_storage() -> Storage:
    """Where finished workbooks are kept: EXPORT_STORAGE_ROOT when set, else the default storage."""
    root = settings.EXPORT_STORAGE_ROOT
    return FileSystemStorage(location=root) if root else default_storage


def _move(job: ExportJob, to: str) -> None:
    """Check the move against the table and set it; the caller saves it with what else it sets."""
    move(LIFECYCLE, job, actor=None, to=to, lock=False, save=False)


def _check(kind: str, filters: ExportFilter) -> None:
    """Every value of the filter is one the export knows; a fund summary is one district's year."""
    if kind not in ExportKind.values:
        raise ApplicationError("请选择导出内容", field="kind")
    if kind == ExportKind.FUND_SUMMARY:
        if len(filters.districts) != 1:
            raise ApplicationError("资金概况请选择一个区县", field="districts")
        if len(filters.years) != 1:
            raise ApplicationError("资金概况请选择一个年度", field="years")
    for name, choices in (
        ("kinds", KIND_CHOICES[kind]),
        ("shares", Share.choices),
        ("statuses", STATUS_CHOICES[kind]),
    ):
        allowed = {value for value, _ in choices}
        unknown = set(getattr(filters, name)) - allowed
        if unknown:
            raise ApplicationError(f"无效的选项：{'、'.join(sorted(unknown))}", field=name)
    if any(not 2000 <= year <= 2100 for year in filters.years):
        raise ApplicationError("年度应在 2000 至 2100 之间", field="years")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ApplicationError("结束日期不能早于开始日期", field="date_to")


def _file_name(kind: str, filters: ExportFilter, names: dict[str, str], at: datetime) -> str:
    stamp = timezone.localtime(at).strftime("%Y%m%d-%H%M%S")
    if kind == ExportKind.FUND_SUMMARY:
        return f"{names[filters.districts[0]]}{filters.years[0]}年度专账资金概况_{stamp}.xlsx"
    return f"{FILE_LABELS[kind]}_{stamp}.xlsx"


def export_request(*, actor: User, kind: str, filters: ExportFilter) -> ExportJob:
    """Log the export and write it: at once when it has at most EXPORT_SMALL_ROWS rows (the job
    comes back finished), otherwise by a Celery task queued after commit (it comes back queued).
    A district outside the actor's scope answers 404, like a missing one."""
    if not export_policy.can(actor, "add"):
        raise ApplicationError("只有市人力社保局管理员、区县经办人员和审计人员可以导出数据")
    _check(kind, filters)
    names = export_district_names(user=actor, codes=filters.districts)
    total = export_row_count(user=actor, kind=kind, filters=filters)
    now = timezone.now()
    job = ExportJob.objects.create(
        requested_by=actor,
        kind=kind,
        filters=filters.to_json(),
        description=filters.describe(kind=kind, district_names=names),
        total_rows=total,
        file_name=_file_name(kind, filters, names, now),
    )
    if export_work_rows(user=actor, kind=kind, filters=filters, total=total) <= settings.EXPORT_SMALL_ROWS:
        return export_build(job_id=job.pk)
    from .tasks import export_run

    job_id = job.pk
    publish_on_commit(
        export_run, job_id, on_failure=lambda: export_fail(job_id=job_id, error=QUEUE_UNAVAILABLE)
    )
    return job


def export_fail(*, job_id: int, error: str) -> None:
    """queued | running → failed, with what the user is told (the queue was down, the job was lost)."""
    job_fail(LIFECYCLE, job_id, error)


def export_jobs_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """The sweeper (beat, every TASK_SWEEP_MINUTES; apps.core.tasks.sweep_jobs): a job whose
    message was lost is sent again once; still not finished TASK_STUCK_FAIL_AFTER after that, it
    fails, and the user is told to export again."""
    from .tasks import export_run

    return sweep_jobs(
        ExportJob,
        export_run,
        fail=lambda job_id, error: export_fail(job_id=job_id, error=error),
        stuck_message=STUCK_MESSAGE,
        now=now or timezone.now(),
    )


def _report(job: ExportJob, rows: int) -> None:
    progress = min(99, rows * 100 // job.total_rows) if job.total_rows else 0
    ExportJob.objects.filter(pk=job.pk).update(progress=progress, row_count=rows)


def _store(job: ExportJob, path: str) -> str:
    storage = export_storage()
    name = f"exports/{job.pk}/{job.kind}-{job.pk}.xlsx"
    if storage.exists(name):
        storage.delete(name)
    with open(path, "rb") as handle:
        return storage.save(name, File(handle, name=os.path.basename(name)))


def export_build(*, job_id: int) -> ExportJob:
    """Write the job's workbook, store it and mark the job finished with its row count and the
    link's expiry; a failure is logged and marks it failed. A finished or failed job is left as
    it is, so a message delivered twice writes nothing twice."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.status in (S.FINISHED, S.FAILED):
            return job
        _move(job, S.RUNNING)
        job.started_at = timezone.now()
        job.progress = job.row_count = 0
        job.save(update_fields=["status", "started_at", "progress", "row_count"])
    try:
        with tempfile.TemporaryDirectory(prefix="export-") as tmpdir:
            path = os.path.join(tmpdir, "export.xlsx")
            rows = workbooks.write(
                job=job,
                path=path,
                row_limit=settings.EXPORT_SHEET_ROW_LIMIT,
                tmpdir=tmpdir,
                progress=lambda n: _report(job, n),
            )
            name = _store(job, path)
    except Exception:
        logger.exception("export %s failed", job.pk)
        _move(job, S.FAILED)
        job.error = FAILURE_MESSAGE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    _move(job, S.FINISHED)
    job.finished_at = timezone.now()
    job.expires_at = job.finished_at + settings.EXPORT_LINK_LIFETIME
    job.progress, job.row_count, job.file = 100, rows, name
    job.save(update_fields=["status", "finished_at", "expires_at", "progress", "row_count", "file"])
    return job


def export_open(*, job: ExportJob) -> File:
    """The finished workbook, for its download; the caller checked the link has not expired."""
    return export_storage().open(job.file, "rb")


def export_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the files of exports whose link expired; their log rows stay. How many."""
    now = now or timezone.now()
    storage = export_storage()
    purged = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        storage.delete(job.file)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
