"""The page of a large upload being imported by a Celery task: a progress bar that reloads
itself (a meta refresh and the Refresh header: no script), then the counts saved or every row's
error."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.permissions import signed_in

from ..models import ImportKind
from ..selectors.jobs import import_job_get
from ..services.jobs import job_progress

REFRESH_SECONDS = 3
# Where the import was started from, to go back to once it has ended.
BACK = {
    ImportKind.ROSTER: "roster:roster",
    ImportKind.SIGN_IN_SHEET: "attendance:grid",
    ImportKind.ONLINE_ATTENDANCE: "attendance:grid",
    ImportKind.RESULTS: "attendance:results",
}

RESULT_LABELS = {
    "enrolled": "登记学员",
    "persons_created": "其中新登记",
    "persons_reused": "已在人员库",
    "with_warnings": "有提示",
    "already_enrolled": "已在本班保持不变",
    "created": "新增记录",
    "updated": "更新记录",
    "skipped": "缺勤未导入的行",
}


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get(user=signed_in(request), job_id=pk)
    done = job_progress(job)
    response = render(
        request,
        "trainees/jobs/detail.html",
        {
            "job": job,
            "object": job.training_class,
            "done": done,
            "refresh": REFRESH_SECONDS,
            "back": BACK[ImportKind(job.kind)],
            "row_errors": job.errors,
            "result": [(RESULT_LABELS.get(key, key), value) for key, value in job.result.items()],
        },
    )
    if job.in_progress:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response
