"""The sign-in sheet (.xlsx) and the online platform's export (.csv): every error names its row and
field, a file with any error saves nothing, a valid file saves every row, a second import upserts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.classes.models import ClassStatus
from apps.core.errors import ApplicationError
from apps.core.tabular import TableErrors, read_table
from apps.trainees.imports.attendance import attendance_import, sign_in_sheet_template
from apps.trainees.models import Attendance, AttendanceSource
from tests.factories import UserFactory
from tests.trainees.attendance_factories import (
    EnrolmentFactory,
    PersonFactory,
    at,
    csv_file,
    enrol,
    id_number,
    xlsx_file,
)

pytestmark = pytest.mark.django_db
SHEET = ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]
ONLINE = ["身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数"]


def _sheet(operator, training_class, upload):
    return attendance_import(
        actor=operator,
        training_class=training_class,
        source=upload,
        filename=upload.name,
        kind=AttendanceSource.SIGN_IN_SHEET,
    )


def _online(operator, training_class, upload):
    return attendance_import(
        actor=operator,
        training_class=training_class,
        source=upload,
        filename=upload.name,
        kind=AttendanceSource.ONLINE_PLATFORM,
    )


def _errors(exc):
    return [(e.row, e.field) for e in exc.value.errors]


def _p(enrolment):
    return enrolment.person.name, enrolment.person.id_number


# --- sign-in sheet ----------------------------------------------------------------------------


def test_valid_sheet_is_saved_with_minutes_clipped_and_flags(operator, running_class, trainees):
    a, b, c = trainees
    upload = xlsx_file(
        [
            SHEET,
            ["2026-12-05", "09:00", *_p(a), "08:55", "15:50"],  # clipped to 405
            ["2026-12-05", "09:00", *_p(b), "08:30", "12:00"],  # 180, 30 minutes early
            ["2026-12-05", "09:00", *_p(c), "", ""],  # absent: skipped
            ["2026-12-06", "09:00", *_p(a), "2026-12-06 09:10", "2026-12-06 15:45"],  # 395
        ]
    )
    counts = _sheet(operator, running_class, upload)
    assert (counts.created, counts.updated, counts.skipped) == (3, 0, 1)
    saved = {(x.enrolment_id, x.session.date.day): x for x in Attendance.objects.select_related("session")}
    assert saved[(a.pk, 5)].minutes == 405 and saved[(a.pk, 5)].flags == []
    assert saved[(b.pk, 5)].minutes == 180
    assert [f["code"] for f in saved[(b.pk, 5)].flags] == ["outside_hours"]
    assert saved[(a.pk, 6)].minutes == 395
    assert {x.source for x in saved.values()} == {AttendanceSource.SIGN_IN_SHEET}
    assert {x.mode for x in saved.values()} == {"offline"}


def test_excel_time_cells_and_a_session_column_are_read(operator, running_class, trainees):
    from datetime import date, time

    a = trainees[0]
    upload = xlsx_file(
        [
            ["日期", "课次", "姓名", "身份证号码", "签到时间", "签退时间"],
            [date(2026, 12, 5), "09:00-15:45", *_p(a), time(9, 0), time(10, 30)],
        ]
    )
    assert _sheet(operator, running_class, upload).created == 1
    assert Attendance.objects.get().minutes == 90


def test_sign_in_cells_that_are_real_excel_date_times_keep_their_time(operator, running_class, trainees):
    from datetime import date, datetime, time

    a, b, c = trainees
    day = date(2026, 12, 5)  # session 09:00–15:45
    upload = xlsx_file(
        [
            SHEET,
            # date-time cells, as Excel stores "2026-12-05 08:55" typed into a cell
            [day, "09:00", *_p(a), datetime(2026, 12, 5, 8, 55), datetime(2026, 12, 5, 12, 0)],
            # the date as a date-time at midnight; a time cell in; out on the next morning
            [datetime(2026, 12, 5), time(9, 0), *_p(b), time(9, 30), datetime(2026, 12, 6, 9, 0)],
            # signed in and out on the day before
            [day, "09:00", *_p(c), datetime(2026, 12, 4, 9, 0), datetime(2026, 12, 4, 10, 0)],
        ]
    )
    assert _sheet(operator, running_class, upload).created == 3
    saved = {x.enrolment_id: x for x in Attendance.objects.all()}
    assert (saved[a.pk].minutes, saved[a.pk].flags) == (180, [])
    assert saved[a.pk].signed_in_at == at(day, "08:55")
    assert saved[b.pk].minutes == 375  # 09:30 to the end at 15:45
    assert [f["message"] for f in saved[b.pk].flags] == [
        "签退时间 2026-12-06 09:00 晚于课次结束 15:45 超过 15 分钟"
    ]
    assert (saved[c.pk].minutes, [f["code"] for f in saved[c.pk].flags]) == (0, ["outside_date"])


def test_a_date_cell_for_a_sign_in_time_is_explained(operator, running_class, trainees):
    from datetime import date

    upload = xlsx_file([SHEET, ["2026-12-05", "09:00", *_p(trainees[0]), date(2026, 12, 5), "12:00"]])
    with pytest.raises(TableErrors) as exc:
        _sheet(operator, running_class, upload)
    assert [str(e) for e in exc.value.errors] == [
        "第 2 行「签到时间」：“2026-12-05”只有日期，缺少时刻，应为 HH:MM 或 YYYY-MM-DD HH:MM"
    ]
    assert not Attendance.objects.exists()


def test_reimport_upserts_without_duplicates(operator, running_class, trainees):
    a, b, _ = trainees
    rows = [
        SHEET,
        ["2026-12-05", "09:00", *_p(a), "09:00", "12:00"],
        ["2026-12-05", "09:00", *_p(b), "09:00", "12:00"],
    ]
    assert _sheet(operator, running_class, xlsx_file(rows)).created == 2
    rows[1][5] = "15:45"
    counts = _sheet(operator, running_class, xlsx_file(rows))
    assert (counts.created, counts.updated) == (0, 2)
    assert Attendance.objects.count() == 2
    assert sorted(Attendance.objects.values_list("minutes", flat=True)) == [180, 405]


def test_sheet_with_errors_saves_nothing_and_names_each_row_and_field(operator, running_class, trainees):
    a, b, c = trainees
    stranger = PersonFactory()  # registered, not on this roster
    withdrawn = EnrolmentFactory(training_class=running_class, withdrawn=True)
    upload = xlsx_file(
        [
            SHEET,
            ["2026-12-05", "09:00", *_p(a), "09:00", "12:00"],  # 2: valid
            ["2026-12-05", "09:00", "无名氏", id_number(999_999), "09:00", "12:00"],  # 3: unknown ID number
            [
                "2026-12-05",
                "09:00",
                stranger.name,
                stranger.id_number,
                "09:00",
                "12:00",
            ],  # 4: not enrolled here
            ["2026-12-07", "09:00", *_p(b), "09:00", "12:00"],  # 5: no such session
            ["2026-12-05", "09:00", *_p(c), "9点", "12:00"],  # 6: bad time
            ["2026-12-05", "09:00", *_p(b), "09:00", ""],  # 7: sign-out missing
            ["2026-12-05", "09:00", *_p(c), "12:00", "09:00"],  # 8: sign-out before sign-in
            ["2026-13-05", "9:00", *_p(c), "09:00", "12:00"],  # 9: bad date
            ["2026-12-05", "09:00", *_p(withdrawn), "09:00", "12:00"],  # 10: withdrawn
            ["2026-12-05", "09:00", "张冠李戴", a.person.id_number, "09:00", "12:00"],  # 11: wrong name
            ["2026-12-05", "09:00", *_p(a), "09:00", "15:00"],  # 12: row 2 again
        ]
    )
    with pytest.raises(TableErrors) as exc:
        _sheet(operator, running_class, upload)
    assert _errors(exc) == [
        (3, "身份证号码"),
        (4, "身份证号码"),
        (5, "课次开始时间"),
        (6, "签到时间"),
        (7, "签退时间"),
        (8, "签退时间"),
        (9, "日期"),
        (10, "身份证号码"),
        (11, "姓名"),
        (12, "身份证号码"),
    ]
    messages = [str(e) for e in exc.value.errors]
    assert "不在实名制人员库中" in messages[0] and id_number(999_999) not in messages[0]
    masked = f"{stranger.id_number[:4]}**********{stranger.id_number[-4:]}"
    assert messages[1] == f"第 4 行「身份证号码」：{stranger.name}（{masked}）未报名本班"
    assert "本班没有 2026-12-07 09:00 开始的课次" in messages[2]
    assert messages[3] == "第 6 行「签到时间」：“9点”不是有效时间，应为 HH:MM 或 YYYY-MM-DD HH:MM"
    assert "已退出本班" in messages[7]
    assert "与第 2 行是同一学员的同一课次" in messages[9]
    assert exc.value.message == "共 10 处错误，未导入任何数据"
    assert not Attendance.objects.exists()


def test_a_date_without_its_time_is_explained(operator, running_class, trainees):
    upload = xlsx_file([SHEET, ["2026-12-05", "09:00", *_p(trainees[0]), "2026-12-05", "12:00"]])
    with pytest.raises(TableErrors) as exc:
        _sheet(operator, running_class, upload)
    assert "缺少时刻" in exc.value.errors[0].message


def test_missing_columns_and_wrong_file_types(operator, running_class, trainees):
    with pytest.raises(TableErrors) as exc:
        _sheet(operator, running_class, xlsx_file([["日期", "姓名", "身份证号码"], ["2026-12-05", "x", "y"]]))
    assert exc.value.errors[0].row == 1
    assert "课次开始时间 或 课次" in exc.value.errors[0].message and "签到时间" in exc.value.errors[0].message
    with pytest.raises(ApplicationError) as exc:
        _sheet(operator, running_class, csv_file([SHEET], name="签到表.csv"))
    assert exc.value.field == "file"
    with pytest.raises(TableErrors) as exc:
        _sheet(operator, running_class, xlsx_file([SHEET]))
    assert exc.value.errors[0].message == "文件中没有数据行"


def test_template_lists_every_session_and_trainee_and_imports_back(operator, running_class, trainees):
    from datetime import time

    withdrawn = EnrolmentFactory(training_class=running_class, withdrawn=True)
    content = sign_in_sheet_template(actor=operator, training_class=running_class)
    rows = list(read_table(io.BytesIO(content), filename="t.xlsx"))
    assert len(rows) == 8 * 3  # sessions × enrolled trainees
    assert list(rows[0][1]) == SHEET
    assert rows[0][1] == {
        "日期": "2026-12-05",
        "课次开始时间": "09:00",
        "姓名": trainees[0].person.name,
        "身份证号码": trainees[0].person.id_number,
        "签到时间": "",
        "签退时间": "",
    }
    assert withdrawn.person.id_number not in {r["身份证号码"] for _, r in rows}

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    assert "内部资料" in workbook.sheetnames[0]
    sheet = workbook.worksheets[0]
    sheet["E2"], sheet["F2"] = time(9, 0), "12:00"  # a time typed into the time column, and text
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.name = "filled.xlsx"
    counts = _sheet(operator, running_class, buffer)
    assert (counts.created, counts.skipped) == (1, 23)


def test_the_sign_in_sheet_template_is_the_operators_and_each_download_is_logged(
    operator, running_class, trainees, officer_yuzhong, municipal_admin
):
    from django.core.exceptions import PermissionDenied

    from apps.trainees.models import PersonalDataView

    for outsider in (officer_yuzhong, municipal_admin, UserFactory(operator=True)):
        with pytest.raises(PermissionDenied):
            sign_in_sheet_template(actor=outsider, training_class=running_class)
    assert not PersonalDataView.objects.exists()
    sign_in_sheet_template(actor=operator, training_class=running_class)
    # 8 sessions × 3 trainees in the sheet: one row per trainee
    assert sorted(PersonalDataView.objects.values_list("person_id", "viewer_id", "purpose")) == sorted(
        (t.person_id, operator.pk, "下载签到表模板") for t in trainees
    )


def test_import_needs_the_class_operator_and_an_open_class(
    operator, running_class, trainees, officer_yuzhong
):
    upload = xlsx_file([SHEET, ["2026-12-05", "09:00", *_p(trainees[0]), "09:00", "12:00"]])
    for actor in (officer_yuzhong, UserFactory(operator=True)):
        with pytest.raises(ApplicationError):
            _sheet(actor, running_class, upload)
    running_class.status = ClassStatus.COMPLETED
    running_class.save()
    with pytest.raises(ApplicationError) as exc:
        _sheet(operator, running_class, upload)
    assert exc.value.field == "status"
    assert not Attendance.objects.exists()


def test_matching_uses_one_query_for_the_roster_and_one_for_the_sessions(operator, running_class):
    trainees = enrol(running_class, 30)
    sessions = list(running_class.sessions.all())
    rows = [SHEET] + [
        [
            f"{s.date:%Y-%m-%d}",
            f"{s.start_time:%H:%M}",
            *_p(e),
            f"{s.start_time:%H:%M}",
            f"{s.end_time:%H:%M}",
        ]
        for s in sessions
        for e in trainees
    ]
    upload = xlsx_file(rows)
    with CaptureQueriesContext(connection) as queries:
        assert _sheet(operator, running_class, upload).created == 240
    sql = [q["sql"] for q in queries.captured_queries]
    roster = [q for q in sql if 'FROM "trainees_enrolment"' in q and "trainees_person" in q]
    session_reads = [q for q in sql if q.startswith("SELECT") and 'FROM "classes_classsession"' in q]
    assert len(roster) == 1
    assert len(session_reads) == 1
    # 240 rows in batches: one INSERT … ON CONFLICT on PostgreSQL, three on SQLite (999 parameters)
    inserts = [q for q in sql if q.startswith('INSERT INTO "trainees_attendance"')]
    assert 1 <= len(inserts) <= 3
    # lock the class and check membership (on import, again on save), roster, sessions, the spans
    # of the persons' attendances on those dates grouped by session (no row read back: none of
    # the sessions overlap), the class's attendances counted before and after, the log line
    assert len([q for q in sql if "SAVEPOINT" not in q]) - len(inserts) == 10


# --- online platform export -------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True], ids=["utf-8", "utf-8-bom"])
def test_valid_online_export_is_saved(operator, running_class, trainees, bom):
    a, b, _ = trainees
    upload = csv_file(
        [
            ONLINE,
            [a.person.id_number, a.person.name, "2026-12-09", "19:00", "135"],
            [b.person.id_number, b.person.name, "2026-12-16", "19:00", "44"],
        ],
        bom=bom,
    )
    counts = _online(operator, running_class, upload)
    assert (counts.created, counts.updated) == (2, 0)
    saved = {x.enrolment_id: x for x in Attendance.objects.all()}
    assert (saved[a.pk].minutes, saved[a.pk].mode) == (135, "live")
    assert (saved[b.pk].minutes, saved[b.pk].mode) == (44, "recorded")
    assert {x.source for x in saved.values()} == {AttendanceSource.ONLINE_PLATFORM}


def test_online_reimport_upserts(operator, running_class, trainees):
    a = trainees[0]
    row = [a.person.id_number.lower(), a.person.name, "2026-12-09", "19:00", "90"]
    _online(operator, running_class, csv_file([ONLINE, row]))
    row[4] = "120"
    counts = _online(operator, running_class, csv_file([ONLINE, row]))
    assert (counts.created, counts.updated) == (0, 1)
    assert list(Attendance.objects.values_list("minutes", flat=True)) == [120]


def test_online_export_with_errors_saves_nothing(operator, running_class, trainees):
    a, b, c = trainees
    upload = csv_file(
        [
            ONLINE,
            [a.person.id_number, a.person.name, "2026-12-09", "19:00", "135"],  # 2: valid
            [b.person.id_number, b.person.name, "2026-12-09", "19:00", "136"],  # 3: above 135
            [id_number(999_998), "某人", "2026-12-09", "19:00", "60"],  # 4: unknown
            [c.person.id_number, c.person.name, "2026-12-10", "19:00", "60"],  # 5: no such session
            [c.person.id_number, c.person.name, "2026-12-05", "09:00", "60"],  # 6: offline session
            [c.person.id_number, c.person.name, "2026-12-16", "19:00", "一小时"],  # 7: not a number
            [c.person.id_number, c.person.name, "2026-12-16", "7pm", "60"],  # 8: bad time
        ]
    )
    with pytest.raises(TableErrors) as exc:
        _online(operator, running_class, upload)
    assert _errors(exc) == [
        (3, "学习分钟数"),
        (4, "身份证号码"),
        (5, "课次开始时间"),
        (6, "课次开始时间"),
        (7, "学习分钟数"),
        (8, "课次开始时间"),
    ]
    assert exc.value.errors[0].message == "136 分钟超过课次时长 135 分钟"
    assert not Attendance.objects.exists()


def test_online_export_must_be_csv(operator, running_class):
    with pytest.raises(ApplicationError) as exc:
        _online(operator, running_class, xlsx_file([ONLINE], name="x.xlsx"))
    assert exc.value.field == "file"
