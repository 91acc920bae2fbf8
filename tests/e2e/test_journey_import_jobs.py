"""Journey (issue 17, item 2): a large sign-in sheet is imported by its job, behind a progress
page. An institution operator of a running class, the threshold (IMPORT_ASYNC_ROWS) lowered to 3
rows, fills the class's downloaded sign-in sheet (three trainees × eight sessions: 24 rows) and
uploads it through the form's file chooser:

1. a text file renamed 签到表.xlsx is refused on the form, named, before anything is stored;
2. the sheet with one trainee signed out before signing in: the job's page lists that row's
   error in Chinese, and nothing was saved;
3. corrected, its job waits for a worker: the page shows the progress bar at 0 and reloads
   itself (the Refresh header), which the user stops (no reload) and resumes; the job runs, the
   page reloads to its counts, and the class's attendance grid shows the three sign-ins.

Celery is eager here (as in the zero-setup default), so the job of (2) has ended when its page
first shows and that of (3) is held back until the journey delivers it (`Queue`); with a real
worker (CELERY_BROKER_URL) nothing is held and each page is followed until its job ends. On a
390 px phone screen (no page wider than the screen) and at full width, every page scanned with
axe-core and held to the Content-Security-Policy."""

from datetime import date

import pytest
from django.urls import reverse

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.trainees.models import Attendance, ImportJob, ImportStatus
from apps.trainees.views import jobs as job_views
from tests.factories import UserFactory
from tests.trainees.attendance_factories import enrol

from .conftest import Screen, workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
FIRST_DAY = "2026-12-05"  # the weekend class's first session, 09:00–15:45 offline
REFRESH = 6  # seconds between the progress page's reloads
SIGNED = ("08:55", "12:00")  # 180 minutes within the session: 4 class hours of 45 minutes


@pytest.fixture
def running_class(make_class, operator, monkeypatch):
    from apps.core import dates

    # The class runs in December 2026; the journey happens after it, whatever the wall clock says.
    monkeypatch.setattr(dates, "today", lambda: date(2026, 12, 31))
    officer = UserFactory(officer=True, username="officer.yuzhong")
    training_class = make_class()
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    training_class = class_transition(training_class=training_class, actor=officer, to=ClassStatus.APPROVED)
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.RUNNING)
    enrol(training_class, 3)
    return training_class


class Queue:
    """The broker as the journey sees it. With eager Celery (no CELERY_BROKER_URL) a job's task
    would run within the upload's request; `hold()` keeps its message back, as a busy worker
    would, until `deliver()` sends it (the same `publish`). With a real worker, nothing is held."""

    def __init__(self, monkeypatch, worker):
        self.monkeypatch = monkeypatch
        self.real = worker is not None
        self.held: list[tuple] = []

    def hold(self) -> bool:
        if self.real:
            return False
        from apps.trainees.imports import jobs

        def held(task, *args, on_failure, **kwargs):
            self.held.append((task, args, kwargs))

        self.monkeypatch.setattr(jobs, "publish_on_commit", held)
        return True

    def deliver(self) -> None:
        from apps.core.tasks import publish

        while self.held:
            task, args, kwargs = self.held.pop(0)
            publish(task, *args, **kwargs)


@pytest.fixture
def queue(celery_worker, monkeypatch):
    return Queue(monkeypatch, celery_worker)


def _job_ended(school) -> None:
    """On the job's page, until the job has ended: at once when the task ran within the request;
    otherwise the page reloads itself (the Refresh header: no script) until it shows the result
    or the error."""
    school.page.wait_for_selector("section.card [role=status], section.card [role=alert]", timeout=60_000)
    school.page.wait_for_load_state("load")
    school.scan()


def _choose_and_upload(school, path) -> None:
    """Pick the file with the browser's file chooser, as a person would, and upload it."""
    with school.page.expect_file_chooser() as chooser:
        school.field("学员签到表 (.xlsx)").click()
    chooser.value.set_files(str(path))
    school.submit("上传并导入")


def _filled_sheet(school, tmp_path, name, *, bad_row_of=None):
    """The class's downloaded sign-in sheet with the first day's times filled in (one trainee
    signed out before signing in when `bad_row_of` names them); the sheet's row number of that
    trainee's first-day row, or None."""
    with school.page.expect_download() as info:
        school.page.get_by_role("link", name="下载本班签到表模板（内部资料，含完整身份证号码）").click()
    book, _ = workbook(info.value)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "日期",
        "课次开始时间",
        "姓名",
        "身份证号码",
        "签到时间",
        "签退时间",
    ]
    bad = None
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == FIRST_DAY:
            row[4].value = SIGNED[0]
            row[5].value = "08:00" if row[2].value == bad_row_of else SIGNED[1]
            if row[2].value == bad_row_of:
                bad = row[0].row
    path = tmp_path / name
    book.save(path)
    return path, sheet.max_row - 1, bad


@pytest.mark.parametrize("width", [390, 1366])
def test_a_large_sign_in_sheet_is_imported_by_its_job_behind_a_progress_page(
    portal, running_class, operator, import_storage, queue, tmp_path, settings, monkeypatch, width
):
    settings.IMPORT_ASYNC_ROWS = 3
    # The progress page reloads itself every REFRESH seconds: long enough here for the axe scan
    # and a click before it does, on a busy machine.
    monkeypatch.setattr(job_views, "REFRESH_SECONDS", REFRESH)
    names = sorted(running_class.enrolments.values_list("person__name", flat=True))
    phone = Screen(portal(operator), width)
    school = phone.portal
    grid_url = reverse("attendance:grid", args=[running_class.pk])
    school.goto(grid_url)
    phone.measure()
    school.follow("导入学员签到表")
    phone.measure()
    assert school.page.get_by_role("heading", level=1).inner_text() == "导入学员签到表"

    # (1) a text file renamed .xlsx: refused on the form, named; nothing stored, no job
    fake = tmp_path / "签到表.xlsx"
    fake.write_text("姓名,身份证号码\n张三,500103199001010011\n", encoding="utf-8")
    _choose_and_upload(school, fake)
    phone.measure()
    assert school.page.url.endswith(reverse("attendance:import_sheet", args=[running_class.pk]))
    assert "「签到表.xlsx」不是有效的 Excel 文件" in school.text(".field-error")
    assert school.page.get_by_role("button", name="上传并导入").is_visible()
    assert not ImportJob.objects.exists()

    # (2) the filled sheet, one trainee signed out before signing in: its job lists the row's
    # error in Chinese, and nothing is saved
    path, rows, bad = _filled_sheet(school, tmp_path, "签到表-有误.xlsx", bad_row_of=names[1])
    assert rows == 3 * 8 > settings.IMPORT_ASYNC_ROWS and bad is not None
    _choose_and_upload(school, path)
    failed = ImportJob.objects.get()
    assert school.page.url.endswith(reverse("roster:import_job", args=[failed.pk]))
    assert f"文件共 {rows} 行，已交由后台导入，本页显示进度和结果。" in school.message()
    _job_ended(school)
    phone.measure()
    heading = school.page.get_by_role("heading", level=1).inner_text()
    assert heading == f"导入学员签到表 #{failed.pk}", heading
    failed.refresh_from_db()
    assert failed.status == ImportStatus.FAILED, failed.status
    assert "发现 1 处错误，未导入任何数据" in school.text(".error-summary")
    error_row = school.page.locator("table.grid tbody tr")
    assert error_row.count() == 1
    assert [cell.strip() for cell in error_row.locator("td").all_inner_texts()] == [
        str(bad),
        "签退时间",
        "签退时间 08:00 早于签到时间 08:55",
    ]
    card = school.text("section.card")
    assert "签到表-有误.xlsx" in card and "未导入" in card and "共 1 处错误，未导入任何数据" in card
    assert "自动刷新" not in school.text("main") and "已读取" not in card  # it has ended
    assert not Attendance.objects.exists()

    # (3) corrected, while the job waits for a worker: its page shows the progress and reloads
    # itself, which the user can stop and resume; once the job has run, the page shows its counts
    # and the grid the sign-ins
    school.follow("返回")
    school.follow("导入学员签到表")
    path, rows, _ = _filled_sheet(school, tmp_path, "签到表.xlsx")
    holding = queue.hold()
    _choose_and_upload(school, path)
    job = ImportJob.objects.exclude(pk=failed.pk).get()
    here = reverse("roster:import_job", args=[job.pk])
    assert school.page.url.endswith(here)
    if holding:
        phone.measure()
        progress = school.page.locator("progress")
        assert (progress.get_attribute("max"), progress.get_attribute("value")) == (str(rows), "0")
        main = school.text("main")
        assert f"正在后台导入，本页每 {REFRESH} 秒自动刷新。" in main and f"已读取 0 / {rows} 行" in main
        assert "排队中" in school.text("section.card")
        school.follow("停止自动刷新")
        assert school.page.url.endswith(f"{here}?refresh=off")
        phone.measure()
        assert "正在后台导入，本页已停止自动刷新。" in school.text("main")
        school.page.evaluate("window.stillHere = true")  # gone if the page reloads
        school.page.wait_for_timeout((REFRESH + 1) * 1000)
        assert school.page.evaluate("window.stillHere === true"), "stopped, the page reloaded itself"
        school.follow("恢复自动刷新")
        assert school.page.url.endswith(here)
        queue.deliver()  # the worker imports it; the page shows it at its next reload
    _job_ended(school)
    phone.measure()
    assert school.page.get_by_role("heading", level=1).inner_text() == f"导入学员签到表 #{job.pk}"
    status = school.text("section.card [role=status]")
    assert status == f"导入成功：新增记录 3，更新记录 0，缺勤未导入的行 {rows - 3}", status
    progress = school.page.locator("progress")
    assert (progress.get_attribute("max"), progress.get_attribute("value")) == (str(rows), str(rows))
    assert f"已读取 {rows} / {rows} 行" in school.text("section.card")
    assert "已完成" in school.text("section.card")
    saved = Attendance.objects.filter(enrolment__training_class=running_class)
    assert sorted(saved.values_list("minutes", flat=True)) == [180, 180, 180]

    school.follow("返回")
    phone.measure()
    assert school.page.url.endswith(grid_url)
    grid = school.page.locator("table.grid")
    for name in names:
        cells = grid.locator("tr", has_text=name).locator("td.num")
        assert cells.nth(0).inner_text().strip() == "4", (name, cells.all_inner_texts())  # 12-05
        assert cells.nth(1).inner_text().strip() == "—"  # 12-06: not signed
    assert grid.locator('span[title="180 分钟"]').count() == 3
    assert not phone.too_wide(), phone.widths
