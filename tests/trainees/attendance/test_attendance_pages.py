"""Attendance and results pages: who reads (404 out of scope), who writes (403 for read-only roles,
nothing changed), ID numbers masked for every role with the way to the logged reveal, the entry
forms, the imports with their row errors, the templates (the operator's only, each download logged
per person), and the query budgets."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.classes.models import ClassStatus
from apps.core.models import StateChange
from apps.core.tabular import read_table
from apps.trainees.models import Attendance, PersonalDataView, Result
from apps.trainees.services.attendance import AttendanceRow, attendance_save_many
from apps.trainees.services.results import result_record
from tests.trainees.attendance.conftest import REVEALS, ROLES, SEES
from tests.trainees.attendance_factories import PASSED, csv_file, enrol, xlsx_file

pytestmark = pytest.mark.django_db
READ = ["grid", "results"]
OPERATOR_ONLY = ["import_sheet", "import_online", "sheet_template", "results_import", "results_template"]


def _url(name, training_class, *args):
    return reverse(f"attendance:{name}", args=[training_class.pk, *args])


def _fill(operator, training_class, enrolments, minutes=405):
    sessions = list(training_class.sessions.all())
    rows = [
        AttendanceRow(s, e.pk, e.person_id, min(minutes, s.minutes), s.mode)
        for s in sessions
        for e in enrolments
    ]
    attendance_save_many(
        actor=operator, training_class=training_class, rows=rows, source="manual", reason="测试"
    )


def _masked(number):
    return number[:4] + "*" * 10 + number[-4:]


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_and_who_writes(client, people, running_class, sessions, trainees, role):
    client.force_login(people[role])
    for name in READ:
        assert client.get(_url(name, running_class)).status_code == (200 if role in SEES else 404), name
    session_page = client.get(_url("session", running_class, sessions[0].pk))
    assert session_page.status_code == (200 if role in SEES else 404)
    for name in OPERATOR_ONLY:
        expected = 200 if role == "operator" else 403 if role in SEES else 404
        assert client.get(_url(name, running_class)).status_code == expected, name
    # the two templates hold full ID numbers: downloaded by the operator alone, and logged
    logged = set(PersonalDataView.objects.values_list("viewer_id", "purpose"))
    operator_logs = {(people[role].pk, "下载签到表模板"), (people[role].pk, "下载考核结果模板")}
    assert logged == (operator_logs if role == "operator" else set())


@pytest.mark.parametrize("role", [r for r in ROLES if r != "operator"])
def test_read_only_roles_change_nothing(client, people, running_class, sessions, trainees, role):
    client.force_login(people[role])
    person = trainees[0].person
    logged = StateChange.objects.count()
    expected = 403 if role in SEES else 404
    posts = {
        _url("session", running_class, sessions[0].pk): {
            f"e{trainees[0].pk}-minutes": "405",
            f"e{trainees[0].pk}-mode": "offline",
        },
        _url("results", running_class): {"enrolment": trainees[0].pk, f"r{trainees[0].pk}-outcome": "failed"},
        _url("import_sheet", running_class): {
            "file": xlsx_file(
                [
                    ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"],
                    ["2026-12-05", "09:00", person.name, person.id_number, "09:00", "12:00"],
                ]
            )
        },
        _url("import_online", running_class): {
            "file": csv_file(
                [
                    ["身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数"],
                    [person.id_number, person.name, "2026-12-09", "19:00", "60"],
                ]
            )
        },
        _url("results_import", running_class): {
            "file": xlsx_file(
                [
                    ["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"],
                    [person.name, person.id_number, "缺考", "", "", ""],
                ]
            )
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == expected, url
    assert not Attendance.objects.exists()
    assert not Result.objects.exists()
    assert StateChange.objects.count() == logged


@pytest.mark.parametrize("role", sorted(SEES))
def test_id_numbers_are_masked_for_every_role_and_names_lead_to_the_logged_reveal(
    client, people, operator, running_class, sessions, trainees, role
):
    _fill(operator, running_class, trainees)
    client.force_login(people[role])
    person = trainees[0].person
    for url in (
        _url("grid", running_class),
        _url("session", running_class, sessions[0].pk),
        _url("results", running_class),
    ):
        text = client.get(url).content.decode()
        assert person.id_number not in text, url
        assert _masked(person.id_number) in text, url
        assert reverse("roster:person_detail", args=[person.pk]) in text, url
        assert ("在学员页面“显示完整信息”" in text) == (role in REVEALS), url
    assert not PersonalDataView.objects.exists()  # reading the lists logs nothing: nothing is shown
    reveal = client.post(reverse("roster:person_reveal", args=[person.pk]), {"purpose": "identity"})
    assert reveal.status_code == (200 if role in REVEALS else 403)
    assert (person.id_number in reveal.content.decode()) == (role in REVEALS)
    assert PersonalDataView.objects.filter(viewer=people[role], person=person).count() == (role in REVEALS)


def test_grid_shows_class_hours_totals_days_and_flags(client, operator, running_class, sessions, trainees):
    a = trainees[0]
    rows = [
        AttendanceRow(sessions[0], a.pk, a.person_id, 405, "offline"),  # 9
        AttendanceRow(sessions[1], a.pk, a.person_id, 89, "offline"),  # 1
        AttendanceRow(sessions[2], a.pk, a.person_id, 135, "live"),  # 3
        AttendanceRow(sessions[5], a.pk, a.person_id, 90, "recorded"),  # 2
    ]
    attendance_save_many(
        actor=operator, training_class=running_class, rows=rows, source="manual", reason="测试"
    )
    Attendance.objects.filter(session=sessions[0]).update(
        flags=[{"code": "outside_hours", "message": "签到时间 08:00 早于课次开始 09:00 超过 15 分钟"}]
    )
    client.force_login(operator)
    response = client.get(_url("grid", running_class))
    row = response.context["rows"][0]
    assert [c.class_hours if c else None for c in row.cells] == [9, 1, 3, None, None, 2, None, None]
    assert (row.offline_hours, row.online_hours, row.total_hours, row.days) == (10, 5, 15, "2 1/2")
    text = response.content.decode()
    assert "2 1/2 天" in text
    assert "计划 9 课时" in text and "计划 3 课时" in text  # session headers: 405 and 135 minutes
    assert "签到时间 08:00 早于课次开始 09:00 超过 15 分钟" in text
    assert response.context["flagged"] == 1


def test_grid_query_count_is_the_same_for_5_and_50_trainees(client, operator, running_class):
    client.force_login(operator)
    url = _url("grid", running_class)
    _fill(operator, running_class, enrol(running_class, 5))
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _fill(operator, running_class, enrol(running_class, 45))
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert response.context["page"].paginator.count == 50
    assert len(response.context["rows"]) == 25
    # session, user, class, membership, sessions, count, page of trainees with persons,
    # their attendances, flagged count
    assert len(five) == len(fifty)


def test_session_form_saves_a_page_of_attendance(client, operator, running_class, sessions, trainees):
    a, b, c = trainees
    client.force_login(operator)
    url = _url("session", running_class, sessions[0].pk)
    response = client.post(
        url,
        {
            f"e{a.pk}-minutes": "405",
            f"e{a.pk}-mode": "offline",
            f"e{b.pk}-mode": "offline",
            f"e{b.pk}-signed_in": "08:30",
            f"e{b.pk}-signed_out": "12:00",
            f"e{c.pk}-mode": "offline",  # left blank: nothing recorded
        },
    )
    assert response.status_code == 302
    saved = {x.enrolment_id: x for x in Attendance.objects.all()}
    assert set(saved) == {a.pk, b.pk}
    assert (saved[a.pk].minutes, saved[b.pk].minutes) == (405, 180)
    assert [f["code"] for f in saved[b.pk].flags] == ["outside_hours"]
    page = client.get(url).content.decode()
    assert "签到时间 08:30 早于课次开始 09:00 超过 15 分钟" in page


def test_session_form_with_an_error_saves_nothing(client, operator, running_class, sessions, trainees):
    a, b, _ = trainees
    client.force_login(operator)
    response = client.post(
        _url("session", running_class, sessions[0].pk),
        {
            f"e{a.pk}-minutes": "405",
            f"e{a.pk}-mode": "offline",
            f"e{b.pk}-minutes": "406",
            f"e{b.pk}-mode": "offline",
        },
    )
    assert response.status_code == 200
    assert "出勤分钟：406 分钟超过课次时长 405 分钟" in response.content.decode()
    assert not Attendance.objects.exists()


def test_completed_class_takes_no_more_attendance_or_results(
    client, operator, running_class, sessions, trainees
):
    for t in trainees:
        result_record(actor=operator, enrolment=t, outcome="absent")
    running_class.status = ClassStatus.COMPLETED
    running_class.save()
    client.force_login(operator)
    response = client.post(
        _url("session", running_class, sessions[0].pk),
        {f"e{trainees[0].pk}-minutes": "405", f"e{trainees[0].pk}-mode": "offline"},
        follow=True,
    )
    assert "已结业的班级不能录入出勤" in response.content.decode()
    response = client.post(
        _url("results", running_class),
        {"enrolment": trainees[0].pk, f"r{trainees[0].pk}-outcome": "failed"},
        follow=True,
    )
    assert "已结业的班级不能录入考核结果" in response.content.decode()
    assert not Attendance.objects.exists()
    assert set(Result.objects.values_list("outcome", flat=True)) == {"absent"}
    assert "上传并导入" not in client.get(_url("import_sheet", running_class)).content.decode()


def test_sheet_import_page_lists_errors_by_row_then_imports(client, operator, running_class, trainees):
    a, b, _ = trainees
    header = ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]
    client.force_login(operator)
    bad = xlsx_file(
        [
            header,
            ["2026-12-05", "09:00", a.person.name, a.person.id_number, "09:00", "12:00"],
            ["2026-12-07", "09:00", b.person.name, b.person.id_number, "09:00", "12:00"],
        ]
    )
    response = client.post(_url("import_sheet", running_class), {"file": bad})
    assert response.status_code == 200
    text = response.content.decode()
    assert "发现 1 处错误，未导入任何数据" in text
    assert "本班没有 2026-12-07 09:00 开始的课次" in text
    assert [(e.row, e.field) for e in response.context["row_errors"]] == [(3, "课次开始时间")]
    assert not Attendance.objects.exists()

    good = xlsx_file(
        [
            header,
            ["2026-12-05", "09:00", a.person.name, a.person.id_number, "09:00", "12:00"],
            ["2026-12-05", "09:00", b.person.name, b.person.id_number, "", ""],
        ]
    )
    response = client.post(_url("import_sheet", running_class), {"file": good}, follow=True)
    assert response.redirect_chain[-1][0] == _url("grid", running_class)
    assert (
        "导入成功：新增 1 条，更新 0 条出勤记录，1 行未填签到签退时间（缺勤）未导入"
        in response.content.decode()
    )
    assert Attendance.objects.get().minutes == 180


def test_online_import_page(client, operator, running_class, trainees):
    a = trainees[0]
    client.force_login(operator)
    header = ["身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数"]
    bad = csv_file([header, [a.person.id_number, a.person.name, "2026-12-09", "19:00", "200"]], bom=True)
    response = client.post(_url("import_online", running_class), {"file": bad})
    assert [(e.row, e.field) for e in response.context["row_errors"]] == [(2, "学习分钟数")]
    good = csv_file([header, [a.person.id_number, a.person.name, "2026-12-09", "19:00", "120"]], bom=True)
    assert client.post(_url("import_online", running_class), {"file": good}).status_code == 302
    assert Attendance.objects.get().minutes == 120


def test_templates_are_internal_workbooks_for_the_operator_and_each_download_is_logged(
    client, operator, running_class, trainees
):
    from openpyxl import load_workbook

    withdrawn = enrol(running_class, 1, withdrawn=True)[0]
    client.force_login(operator)
    for name, rows, purpose in (
        ("sheet_template", 8 * 3, "下载签到表模板"),
        ("results_template", 3, "下载考核结果模板"),
    ):
        for download in (1, 2):
            response = client.get(_url(name, running_class))
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")
            assert "%E5%86%85%E9%83%A8%E8%B5%84%E6%96%99" in response["Content-Disposition"]  # 内部资料
            assert "no-store" in response["Cache-Control"]
            workbook = load_workbook(io.BytesIO(response.content), read_only=True)
            assert "内部资料" in workbook.sheetnames[0] and workbook.properties.keywords == "内部资料"
            assert len(list(read_table(io.BytesIO(response.content), filename="t.xlsx"))) == rows
            # one row per trainee in the file (not per session), the withdrawn one is not in it
            logged = PersonalDataView.objects.filter(purpose=purpose, viewer=operator)
            assert logged.count() == 3 * download
            assert set(logged.values_list("person_id", flat=True)) == {t.person_id for t in trainees}
            assert not logged.filter(person=withdrawn.person).exists()


@pytest.mark.parametrize("name", ["sheet_template", "results_template"])
def test_template_downloads_log_in_one_insert_whatever_the_class_size(client, operator, running_class, name):
    client.force_login(operator)
    enrol(running_class, 3)
    with CaptureQueriesContext(connection) as three:
        assert client.get(_url(name, running_class)).status_code == 200
    enrol(running_class, 27)
    with CaptureQueriesContext(connection) as thirty:
        assert client.get(_url(name, running_class)).status_code == 200
    assert PersonalDataView.objects.count() == 3 + 30
    inserts = [q["sql"] for q in thirty if q["sql"].startswith('INSERT INTO "trainees_personaldataview"')]
    assert len(inserts) == 1
    assert len(three) == len(thirty)


def test_results_form_per_trainee(client, operator, running_class, trainees):
    a = trainees[0]
    client.force_login(operator)
    url = _url("results", running_class)
    response = client.post(
        url, {"enrolment": a.pk, f"r{a.pk}-outcome": "passed", f"r{a.pk}-certificate_number": "S1"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "考核合格须填写证书类型 (R2.6)" in text
    assert not Result.objects.exists()
    data = {"enrolment": a.pk, **{f"r{a.pk}-{k}": v for k, v in PASSED.items()}}
    assert client.post(url, data).status_code == 302
    assert Result.objects.get().certificate_type == "skill_level"
    page = client.get(url)
    assert not page.context["complete"]
    assert "尚有 2 名学员未录入考核结果" in page.content.decode()


def test_results_import_page(client, operator, running_class, trainees):
    client.force_login(operator)
    header = ["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"]
    rows = [header] + [[t.person.name, t.person.id_number, "不合格", "", "", ""] for t in trainees]
    response = client.post(
        _url("results_import", running_class), {"file": xlsx_file(rows, name="r.xlsx")}, follow=True
    )
    assert "导入成功：新增 3 条，更新 0 条考核结果" in response.content.decode()
    assert response.context["complete"]


def test_session_form_saves_only_changed_rows_and_minutes_follow_new_times(
    client, operator, running_class, sessions, trainees
):
    a, b, _ = trainees
    day = sessions[0].date
    from tests.trainees.attendance_factories import at

    rows = [
        AttendanceRow(sessions[0], a.pk, a.person_id, 405, "offline"),
        AttendanceRow(sessions[0], b.pk, b.person_id, 180, "offline", at(day, "09:00"), at(day, "12:00")),
    ]
    attendance_save_many(
        actor=operator, training_class=running_class, rows=rows, source="manual", reason="测试"
    )
    client.force_login(operator)
    response = client.post(
        _url("session", running_class, sessions[0].pk),
        {
            f"e{a.pk}-minutes": "405",  # as recorded
            f"e{a.pk}-mode": "offline",
            f"e{b.pk}-minutes": "180",  # as recorded, while the sign-out moves to 15:00
            f"e{b.pk}-mode": "offline",
            f"e{b.pk}-signed_in": "09:00",
            f"e{b.pk}-signed_out": "15:00",
        },
        follow=True,
    )
    assert "已保存：新增 0 条，更新 1 条出勤记录" in response.content.decode()
    assert Attendance.objects.get(enrolment=b).minutes == 360
    assert Attendance.objects.get(enrolment=a).minutes == 405
