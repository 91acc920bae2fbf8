"""Large uploads are imported by a Celery task behind a progress bar (issue 17, item 2): more data
rows than IMPORT_ASYNC_ROWS make a queued job (the page shows its progress, the API answers 202
with its URL), the task imports with the same services (every row's error at once and nothing
saved, or everything), and only the uploader and the officers of the class's district see it.
Small files stay in the request. Celery runs eagerly here, as in the zero-setup default."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.trainees.imports.jobs import import_job_run
from apps.trainees.models import Attendance, Enrolment, ImportJob, ImportStatus
from apps.trainees.services.jobs import import_storage
from tests.factories import UserFactory, district
from tests.trainees.attendance_factories import xlsx_file

from .conftest import people  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
SHEET = ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path, monkeypatch):
    """Jobs for three rows; the task runs in-process when its callback is run (eager Celery, as in
    the zero-setup default, also under `make test`'s broker: the real worker is the e2e journey's)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.IMPORT_ASYNC_ROWS = 2
    settings.IMPORT_STORAGE_ROOT = str(tmp_path / "imports")


def _sheet_rows(trainees, *, bad: bool = False):
    rows = [SHEET]
    for n, enrolment in enumerate(trainees):
        person = enrolment.person
        out = "08:00" if bad and n == 1 else "12:00"  # signed out before signing in
        rows.append(["2026-12-05", "09:00", person.name, person.id_number, "08:55", out])
    return rows


def _upload(client, running_class, rows, *, follow=False):
    return client.post(
        reverse("attendance:import_sheet", args=[running_class.pk]),
        {"file": xlsx_file(rows)},
        follow=follow,
    )


def test_a_large_sheet_is_queued_then_imported_by_the_task_with_its_progress_page(
    client, operator, running_class, trainees, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _upload(client, running_class, _sheet_rows(trainees))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("roster:import_job", args=[job.pk])
    assert (job.status, job.rows_total, job.requested_by, job.kind) == (
        "queued",
        3,
        operator,
        "sign_in_sheet",
    )
    assert import_storage().exists(job.file) and not Attendance.objects.exists()

    page = client.get(response.url)
    body = page.content.decode()
    # reloaded by the Refresh header, which the user can turn off: no <meta> refresh (WCAG 2.2.1,
    # axe-core's critical meta-refresh)
    here = reverse("roster:import_job", args=[job.pk])
    assert page["Refresh"] == "3" and "http-equiv" not in body
    assert '<progress max="3" value="0"' in body and "正在后台导入，本页每 3 秒自动刷新。" in body
    assert f'<a href="{here}?refresh=off">停止自动刷新</a>' in body
    assert "<script>" not in body.split("</head>")[1]
    stopped = client.get(here, {"refresh": "off"})
    body = stopped.content.decode()
    assert not stopped.has_header("Refresh") and "http-equiv" not in body
    assert "正在后台导入，本页已停止自动刷新。" in body and '<progress max="3" value="0"' in body
    assert (
        f'<a href="{here}">恢复自动刷新</a>' in body and f'<a href="{here}?refresh=off">刷新进度</a>' in body
    )

    for callback in queued:  # the broker delivers the task (eager Celery runs it here)
        callback()
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.result) == (
        "finished",
        3,
        {"created": 3, "updated": 0, "skipped": 0},
    )
    assert Attendance.objects.count() == 3 and not job.file
    ended = client.get(response.url)
    body = ended.content.decode()
    assert "导入成功：新增记录 3，更新记录 0，缺勤未导入的行 0" in body and not ended.has_header("Refresh")
    assert "自动刷新" not in body
    # PostgreSQL's jsonb reads the counts back in its own key order: the page keeps its own
    ImportJob.objects.filter(pk=job.pk).update(result={"skipped": 0, "created": 3, "updated": 0})
    body = client.get(response.url).content.decode()
    assert "导入成功：新增记录 3，更新记录 0，缺勤未导入的行 0" in body


def test_a_large_sheet_with_a_bad_row_saves_nothing_and_its_page_lists_every_error(
    client, operator, running_class, trainees, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, running_class, _sheet_rows(trainees, bad=True))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and not Attendance.objects.exists()
    # ended within the request (eager Celery): the page's message does not say it is still running
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert told == ["文件共 3 行，已交由后台导入，本页显示进度和结果。"]
    assert job.errors == [{"row": 3, "field": "签退时间", "message": "签退时间 08:00 早于签到时间 08:55"}]
    body = client.get(response.url).content.decode()
    assert "发现 1 处错误，未导入任何数据" in body and "签退时间 08:00 早于签到时间 08:55" in body
    assert "共 1 处错误，未导入任何数据" in body
    # every row was read to find it: no progress bar stopped at 0 (the reader reports every 1,000 rows)
    assert "<progress" not in body and "已读取" not in body and "<dd>3 行</dd>" in body


def test_a_small_file_is_still_imported_in_the_request(client, operator, running_class, trainees, settings):
    settings.IMPORT_ASYNC_ROWS = 3
    client.force_login(operator)
    response = _upload(client, running_class, _sheet_rows(trainees))
    assert response.status_code == 302 and response.url == reverse("attendance:grid", args=[running_class.pk])
    assert not ImportJob.objects.exists() and Attendance.objects.count() == 3


def test_the_api_answers_202_with_the_jobs_url_and_the_job_tells_how_it_ended(
    api_client, operator, running_class, trainees, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(operator)
    url = reverse("api-class-attendance-sheet", args=[running_class.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url, {"file": xlsx_file(_sheet_rows(trainees))}, format="multipart")
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert response.json()["url"] == response["Location"] == f"/api/v1/import-jobs/{job.pk}"
    assert response.json()["status"] == "queued"
    polled = api_client.get(response["Location"]).json()
    assert (polled["status"], polled["rows_done"], polled["rows_total"]) == ("finished", 3, 3)
    assert polled["result"] == {"created": 3, "updated": 0, "skipped": 0} and polled["row_errors"] == []


def test_a_large_roster_is_imported_by_its_task(
    client, operator, approved_class, django_capture_on_commit_callbacks
):
    from tests.trainees.roster_factories import nth_id_number

    rows = [["姓名", "身份证号码"], *[[f"学员{'甲乙丙'[n]}", nth_id_number(n + 1)] for n in range(3)]]
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("roster:roster_upload", args=[approved_class.pk]),
            {"file": xlsx_file(rows, "花名册.xlsx")},
        )
    job = ImportJob.objects.get()
    assert response.url == reverse("roster:import_job", args=[job.pk])
    assert job.status == "finished" and job.result["enrolled"] == 3 and Enrolment.objects.count() == 3
    assert "登记学员 3" in client.get(response.url).content.decode()


def test_a_refused_file_is_refused_before_anything_is_stored(client, operator, running_class, trainees):
    client.force_login(operator)
    response = client.post(
        reverse("attendance:import_sheet", args=[running_class.pk]),
        {"file": xlsx_file([SHEET], "签到表.xlsx").__class__("签到表.xlsx", b"not a zip")},
    )
    assert "「签到表.xlsx」不是有效的 Excel 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_delivered_twice_imports_once(
    operator, running_class, trainees, django_capture_on_commit_callbacks
):
    from apps.trainees.imports.jobs import import_or_queue

    upload = xlsx_file(_sheet_rows(trainees))
    with django_capture_on_commit_callbacks(execute=False):
        job = import_or_queue(
            actor=operator,
            training_class=running_class,
            kind="sign_in_sheet",
            upload=upload,
            filename=upload.name,
        )
    assert import_job_run(job_id=job.pk).status == "finished"
    assert import_job_run(job_id=job.pk).status == "finished"
    assert Attendance.objects.count() == 3


def test_only_the_uploader_and_the_officers_of_the_district_see_a_job(
    client,
    api_client,
    operator,
    running_class,
    trainees,
    people,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, running_class, _sheet_rows(trainees))
    job_url = response.url
    api_url = reverse("api-import-job", args=[ImportJob.objects.get().pk])
    other_district = UserFactory(officer=True, username="officer.other", district=district("500101"))
    seen = {}
    for role, user in {**people, "officer_elsewhere": other_district}.items():
        if user is None:
            continue
        client.force_login(user)
        api_client.force_authenticate(user)
        seen[role] = (client.get(job_url).status_code, api_client.get(api_url).status_code)
    sees = {role for role, codes in seen.items() if codes == (200, 200)}
    assert all(codes in {(200, 200), (404, 404)} for codes in seen.values()), seen
    assert sees == {"operator", "officer"}, seen


def test_progress_is_heard_while_the_task_reads(operator, running_class, trainees, settings, monkeypatch):
    """The reader reports every PROGRESS_EVERY rows; the job's page reads it from the cache."""
    from apps.core import tabular
    from apps.trainees.services import jobs

    monkeypatch.setattr(tabular, "PROGRESS_EVERY", 1)
    heard = []
    monkeypatch.setattr(jobs, "import_job_heard", lambda *, job, rows: heard.append(rows))
    upload = xlsx_file(_sheet_rows(trainees))
    job = jobs.import_job_create(
        actor=operator,
        training_class=running_class,
        kind="sign_in_sheet",
        upload=upload,
        filename=upload.name,
        rows=3,
    )
    assert import_job_run(job_id=job.pk).status == "finished"
    assert heard == [1, 2, 3, 4]  # the header, then each data row (row numbers as in Excel)
    assert re.fullmatch(r"trainees:import-job:\d+:rows", jobs.progress_key(job))


def _broker_down(monkeypatch):
    import kombu.exceptions

    from apps.trainees import tasks

    def down(job_id):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.import_run, "delay", down)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the send follows the commit
def test_a_large_upload_with_the_queue_down_fails_its_job_and_says_why(
    client, api_client, operator, running_class, trainees, monkeypatch
):
    """Issue 17, item 3: the job is failed with the reason and the file deleted; nothing stays
    queued; the page says the queue is unavailable and the API answers 503."""
    _broker_down(monkeypatch)
    client.force_login(operator)
    page = _upload(client, running_class, _sheet_rows(trainees))
    api_client.force_authenticate(operator)
    url = reverse("api-class-attendance-sheet", args=[running_class.pk])
    api = api_client.post(url, {"file": xlsx_file(_sheet_rows(trainees))}, format="multipart")

    assert page.status_code == 200 and "任务队列暂不可用，请稍后再试" in page.content.decode()
    assert (api.status_code, api.json()) == (503, {"detail": "任务队列暂不可用，请稍后再试"})
    jobs = list(ImportJob.objects.values_list("status", "message", "file"))
    assert jobs == [("failed", "任务队列暂不可用，请稍后再试", "")] * 2
    assert not Attendance.objects.exists()


def test_a_stuck_job_is_sent_again_once_then_failed(
    operator, running_class, trainees, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.trainees import tasks
    from apps.trainees.imports.jobs import import_jobs_sweep, import_or_queue
    from apps.trainees.services.jobs import STUCK_MESSAGE

    settings.TASK_QUEUED_RESEND_AFTER = timedelta(minutes=10)
    settings.TASK_STUCK_FAIL_AFTER = timedelta(minutes=60)
    sent = []
    monkeypatch.setattr(tasks.import_run, "delay", sent.append)
    made = []
    for _ in range(2):
        upload = xlsx_file(_sheet_rows(trainees))
        with django_capture_on_commit_callbacks(execute=False):  # the message never reaches the broker
            made.append(
                import_or_queue(
                    actor=operator,
                    training_class=running_class,
                    kind="sign_in_sheet",
                    upload=upload,
                    filename=upload.name,
                )
            )
    lost, fresh = made
    now = timezone.now()
    ImportJob.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=11))

    assert tasks.import_jobs_sweep() == {"resent": [lost.pk], "failed": []}
    assert sent == [lost.pk] and ImportJob.objects.get(pk=lost.pk).resent_at is not None
    assert import_jobs_sweep(now=now + timedelta(minutes=5)) == {"resent": [], "failed": []}
    assert sent == [lost.pk]  # once only

    swept = import_jobs_sweep(now=now + timedelta(minutes=61))
    assert swept == {"resent": [fresh.pk], "failed": [lost.pk]}
    job = ImportJob.objects.get(pk=lost.pk)
    assert (job.status, job.message, job.file) == ("failed", STUCK_MESSAGE, "")
    assert not Attendance.objects.exists()
