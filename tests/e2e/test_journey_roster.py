"""Journey (c1): an approved class runs. The institution opens it, enrols one trainee by hand and
two from the downloaded roster template (after a file with a wrong ID number is refused, row
named, nothing imported; the corrected file through an import job's progress page), records
attendance session by session, enters results, and completes the class. Through the UI only,
every page scanned with axe-core."""

from datetime import date, time

import pytest

from apps.classes.models import ClassStatus
from apps.classes.services import SessionInput, class_transition
from apps.trainees.models import Attendance, Enrolment, Result
from tests.claims.conftest import id_number
from tests.factories import UserFactory

from .conftest import workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SESSIONS = [
    SessionInput(date(2026, 11, 14), time(9, 0), time(15, 45), "offline", "实操"),
    SessionInput(date(2026, 11, 15), time(9, 0), time(15, 45), "offline", "实操"),
]
PEOPLE = [
    ("张手工", id_number("500103", "19900101", "011")),
    ("李模板", id_number("500103", "19910202", "022")),
    ("王模板", id_number("500101", "19880303", "033")),
]


@pytest.fixture
def approved_class(make_class, operator):
    officer = UserFactory(officer=True, username="officer.yuzhong")
    training_class = make_class(
        sessions=SESSIONS, start_date=date(2026, 11, 14), end_date=date(2026, 11, 15), planned_trainees=3
    )
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    return class_transition(training_class=training_class, actor=officer, to=ClassStatus.APPROVED)


def _upload(school, rows, tmp_path, name):
    """Fill the downloaded template as a person would, and upload it."""
    with school.page.expect_download() as info:
        school.page.get_by_role("link", name="下载本班花名册模板").click()
    book, _ = workbook(info.value)
    sheet = book["花名册"]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["姓名", "身份证号码"], headers
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    book.save(path)
    school.field("花名册文件 (.xlsx)").set_input_files(str(path))
    school.submit("上传并导入")


def test_roster_by_hand_and_upload_attendance_results_and_completion(
    portal, approved_class, operator, tmp_path, settings, import_storage, celery_worker
):
    school = portal(operator)
    school.goto(f"/classes/{approved_class.pk}/")
    action = school.page.locator("form.action-form").filter(has_text="开班")
    action.get_by_role("checkbox").check()
    school.submit(action.get_by_role("button", name="开班", exact=True))
    approved_class.refresh_from_db()
    assert approved_class.status == ClassStatus.RUNNING

    # one by hand
    school.follow("学员名册（实名制）")
    school.follow("登记学员")
    school.field("身份证号码").fill(PEOPLE[0][1])
    school.field("姓名").fill(PEOPLE[0][0])
    school.field("手机号码").fill("13800001111")
    school.submit("登记")
    assert PEOPLE[0][0] in school.text()

    # a file with a wrong ID number: the row is named, nothing imported
    school.follow("上传花名册")
    _upload(
        school, [(PEOPLE[1][0], PEOPLE[1][1]), (PEOPLE[2][0], PEOPLE[2][1][:-1] + "0")], tmp_path, "错.xlsx"
    )
    errors = school.text(".error-summary") + school.text("main")
    assert "未导入任何数据" in errors and "3" in school.text("table.grid")
    assert Enrolment.objects.filter(training_class=approved_class).count() == 1

    # corrected, the two come in: as a large file would, through its import job (the threshold
    # lowered to 1 row; eager Celery has ended the job when its page shows, a real worker (make
    # test) ends it while the page reloads itself)
    settings.IMPORT_ASYNC_ROWS = 1
    _upload(school, [(name, number) for name, number in PEOPLE[1:]], tmp_path, "花名册.xlsx")
    assert "已交由后台导入" in school.message()
    school.page.wait_for_selector("section.card [role=status]", timeout=60_000)
    school.page.wait_for_load_state("load")
    assert "导入成功：登记学员 2" in school.text("main")
    assert school.page.locator("progress").get_attribute("value") == "2"
    assert Enrolment.objects.filter(training_class=approved_class).count() == 3
    school.follow("返回")
    roster = school.text()
    assert all(name in roster for name, _ in PEOPLE)
    assert PEOPLE[1][1] not in roster  # ID numbers masked in the list

    # attendance: each session, everyone the full 405 minutes
    school.goto(f"/classes/{approved_class.pk}/")
    school.follow("出勤（学员签到表）")
    for session in approved_class.sessions.order_by("date"):
        school.follow(f"{session.date:%m-%d}", exact=False)
        boxes = school.page.get_by_label("出勤分钟")
        for n in range(boxes.count()):
            boxes.nth(n).fill("405")
        school.submit("保存本页出勤")
        school.follow("出勤与课时")
    assert Attendance.objects.filter(enrolment__training_class=approved_class, minutes=405).count() == 6

    # results: everyone passed, with a certificate
    school.follow("考核结果")
    for n, (name, _) in enumerate(PEOPLE):
        form = school.page.locator("tr", has_text=name).locator("form.result-form")
        form.get_by_label("考核结果").select_option(label="合格")
        form.get_by_label("证书类型").select_option(index=1)
        form.get_by_label("证书编号").fill(f"ZS2026{n:04d}")
        form.get_by_label("发证日期").fill("2026-11-20")
        school.submit(form.get_by_role("button", name="保存"))
    assert Result.objects.filter(enrolment__training_class=approved_class, outcome="passed").count() == 3
    assert "均已录入考核结果" in school.text()

    # completion
    school.goto(f"/classes/{approved_class.pk}/")
    action = school.page.locator("form.action-form").filter(has_text="结业")
    action.get_by_role("checkbox").check()
    school.submit(action.get_by_role("button", name="结业", exact=True))
    approved_class.refresh_from_db()
    assert approved_class.status == ClassStatus.COMPLETED
    assert "申领补贴" in school.text()
