"""The page of a large upload being imported by a Celery task: a progress bar that reloads
itself (the Refresh header: no script), then the counts saved or every row's error."""

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


def _counts(result: dict[str, int]) -> list[tuple[str, int]]:
    """The counts of a finished job, labelled, in RESULT_LABELS' order: PostgreSQL's jsonb keeps
    no key order (it reads back {"created", "skipped", "updated"}), SQLite's JSON does."""
    order = {key: n for n, key in enumerate(RESULT_LABELS)}
    keys = sorted(result, key=lambda key: order.get(key, len(order)))
    return [(RESULT_LABELS.get(key, key), result[key]) for key in keys]


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_get(user=signed_in(request), job_id=pk)
    done = job_progress(job)
    # The Refresh header reloads the page in every browser, with or without JavaScript (as the
    # export page does). A timed reload is a time limit the user must be able to turn off (WCAG
    # 2.2.1; a <meta> refresh is axe-core's critical `meta-refresh`): ?refresh=off, offered
    # before the progress, shows the same page without it.
    auto_refresh = job.in_progress and request.GET.get("refresh") != "off"
    response = render(
        request,
        "trainees/jobs/detail.html",
        {
            "job": job,
            "object": job.training_class,
            "done": done,
            "refresh": REFRESH_SECONDS,
            "auto_refresh": auto_refresh,
            "back": BACK[ImportKind(job.kind)],
            "row_errors": job.errors,
            "result": _counts(job.result),
        },
    )
    if auto_refresh:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response
