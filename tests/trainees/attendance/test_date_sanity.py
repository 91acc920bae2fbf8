"""Nothing is recorded for the future: attendance of a session not yet held (sign-in sheet, online
export, by hand), a certificate dated after today (import and by hand), and a class completed
before its end date. Each refusal names the row and the field; nothing is saved. "Today" is pinned
(apps.core.dates.today) to a day inside the weekend class: 2026-12-08, after its first two days."""

from datetime import date

import pytest

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.tabular import TableErrors
from apps.trainees.imports.attendance import attendance_import
from apps.trainees.imports.results import results_import
from apps.trainees.models import Attendance, AttendanceSource, Result
from apps.trainees.services.attendance import attendance_record
from apps.trainees.services.results import result_record
from tests.trainees.attendance_factories import PASSED, csv_file, id_number, xlsx_file

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 8)
SHEET = ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]
ONLINE = ["身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数"]
RESULTS = ["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"]


@pytest.fixture(autouse=True)
def during_the_class(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def _p(enrolment):
    return enrolment.person.name, enrolment.person.id_number


def _import(operator, training_class, upload, kind):
    return attendance_import(
        actor=operator, training_class=training_class, source=upload, filename=upload.name, kind=kind
    )


def test_a_sign_in_sheet_lists_every_error_at_once_the_future_session_among_them(
    operator, running_class, trainees
):
    a, b, c = trainees
    upload = xlsx_file(
        [
            SHEET,
            ["2026-12-05", "09:00", *_p(a), "09:00", "12:00"],  # 2: fine (held)
            ["2026-12-13", "09:00", *_p(a), "09:00", "12:00"],  # 3: a session not yet held
            ["2026-12-06", "09:00", *_p(b), "9点", "12:00"],  # 4: a bad time
            ["2026-12-06", "09:00", "无名氏", id_number(999_998), "09:00", "12:00"],  # 5: not registered
            ["2026-12-06", "09:00", *_p(c), "12:00", "09:00"],  # 6: out before in
            ["2026-12-20", "09:00", *_p(c), "09:00", ""],  # 7: not yet held, and no sign-out
        ]
    )
    with pytest.raises(TableErrors) as exc:
        _import(operator, running_class, upload, AttendanceSource.SIGN_IN_SHEET)
    assert [(e.row, e.field) for e in exc.value.errors] == [
        (3, "日期"),
        (4, "签到时间"),
        (5, "身份证号码"),
        (6, "签退时间"),
        (7, "日期"),
        (7, "签退时间"),
    ]
    assert str(exc.value.errors[0]) == (
        "第 3 行「日期」：课次 2026-12-13 09:00 尚未开始（今天是 2026-12-08），不能录入出勤"
    )
    assert not Attendance.objects.exists()


def test_an_online_export_for_a_session_not_yet_held_is_refused(operator, running_class, trainees):
    a, b, _ = trainees
    upload = csv_file(
        [
            ONLINE,
            [*reversed(_p(a)), "2026-12-16", "19:00", "44"],  # 2: recorded session of next week
            [*reversed(_p(b)), "2026-12-16", "19:00", "abc"],  # 3: and a bad number too
        ]
    )
    with pytest.raises(TableErrors) as exc:
        _import(operator, running_class, upload, AttendanceSource.ONLINE_PLATFORM)
    assert [(e.row, e.field) for e in exc.value.errors] == [
        (2, "课次日期"),
        (3, "课次日期"),
        (3, "学习分钟数"),
    ]
    assert not Attendance.objects.exists()


def test_attendance_by_hand_is_refused_for_a_session_not_yet_held(
    operator, running_class, trainees, sessions
):
    held, later = sessions[0], sessions[-1]
    attendance_record(
        actor=operator, session=held, enrolment=trainees[0], minutes=405, mode="offline", source="manual"
    )
    with pytest.raises(ApplicationError) as exc:
        attendance_record(
            actor=operator, session=later, enrolment=trainees[0], minutes=60, mode=later.mode, source="manual"
        )
    assert exc.value.field == "session" and "尚未开始" in exc.value.message
    assert list(Attendance.objects.values_list("session", flat=True)) == [held.pk]


def test_the_session_page_shows_the_refusal_and_saves_nothing(
    client, operator, running_class, trainees, sessions
):
    from django.urls import reverse

    client.force_login(operator)
    later = sessions[-1]
    response = client.post(
        reverse("attendance:session", args=[running_class.pk, later.pk]),
        {f"e{trainees[0].pk}-minutes": "60", f"e{trainees[0].pk}-mode": later.mode},
    )
    assert response.status_code == 200 and "尚未开始（今天是 2026-12-08）" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_certificate_dated_after_today_is_refused_on_import_and_by_hand(operator, running_class, trainees):
    a, b, c = trainees
    upload = xlsx_file(
        [
            RESULTS,
            [*_p(a), "合格", "职业技能等级证书", "S1", "2026-12-07"],  # 2: fine
            [*_p(b), "合格", "职业技能等级证书", "S2", "2026-12-28"],  # 3: after today
            [*_p(c), "优秀", "", "", ""],  # 4: no such outcome
        ],
        name="考核结果.xlsx",
    )
    with pytest.raises(TableErrors) as exc:
        results_import(actor=operator, training_class=running_class, source=upload, filename=upload.name)
    assert [str(e) for e in exc.value.errors] == [
        "第 3 行「发证日期」：发证日期 2026-12-28 晚于今天 2026-12-08，不能填写将来的日期",
        "第 4 行「考核结果」：“优秀”应为 合格、不合格 或 缺考",
    ]
    with pytest.raises(ApplicationError) as exc:
        result_record(actor=operator, enrolment=a, **PASSED)  # dated 2026-12-28
    assert exc.value.field == "certificate_date"
    assert not Result.objects.exists()


def test_a_class_is_completed_on_its_end_date_not_before(operator, running_class, monkeypatch):
    logged = StateChange.objects.count()
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=running_class, actor=operator, to=ClassStatus.COMPLETED)
    assert exc.value.message == "本班计划 2026-12-20 结束，今天是 2026-12-08，培训结束日期之前不能结业"
    running_class.refresh_from_db()
    assert running_class.status == ClassStatus.RUNNING and StateChange.objects.count() == logged
    monkeypatch.setattr(dates, "today", lambda: running_class.end_date)
    completed = class_transition(training_class=running_class, actor=operator, to=ClassStatus.COMPLETED)
    assert completed.status == ClassStatus.COMPLETED


def test_the_class_page_says_why_it_cannot_complete_yet(client, operator, running_class):
    from django.urls import reverse

    client.force_login(operator)
    response = client.post(
        reverse("classes:action", args=[running_class.pk]), {"to": "completed", "confirm": "on"}, follow=True
    )
    assert (
        "本班计划 2026-12-20 结束，今天是 2026-12-08，培训结束日期之前不能结业" in response.content.decode()
    )
    running_class.refresh_from_db()
    assert running_class.status == ClassStatus.RUNNING
