"""The whole attendance and results flow by API (issue 16, item 3): attendance as JSON, the
sign-in sheet and the results as uploads, each with every row's error in one answer."""

import pytest

from apps.trainees.models import Attendance, AttendanceSource, Result
from tests.trainees.attendance.conftest import ROLES, SEES
from tests.trainees.attendance_factories import xlsx_file

pytestmark = pytest.mark.django_db
SHEET = ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]
RESULTS = ["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"]


def _p(enrolment):
    return enrolment.person.name, enrolment.person.id_number


def test_attendance_as_json_is_saved_all_at_once(api_client, operator, running_class, sessions, trainees):
    a, b, _ = trainees
    api_client.force_authenticate(operator)
    url = f"/api/v1/classes/{running_class.pk}/attendance"
    body = {
        "records": [
            {"session": sessions[0].pk, "enrolment": a.pk, "mode": "offline", "minutes": 405},
            {
                "session": sessions[0].pk,
                "enrolment": b.pk,
                "mode": "offline",
                "signed_in_at": "2026-12-05T09:10:00+08:00",
                "signed_out_at": "2026-12-05T15:45:00+08:00",
            },
        ]
    }

    created = api_client.post(url, body, format="json")

    assert created.status_code == 201, created.content
    assert created.json() == {"created": 2, "updated": 0, "saved": 2}
    saved = {x.enrolment_id: x for x in Attendance.objects.all()}
    assert (saved[a.pk].minutes, saved[b.pk].minutes) == (405, 395)
    assert {x.source for x in saved.values()} == {AttendanceSource.MANUAL}
    again = api_client.post(url, {"records": [{**body["records"][0], "minutes": 300}]}, format="json")
    assert again.json() == {"created": 0, "updated": 1, "saved": 1}
    assert Attendance.objects.get(enrolment=a).minutes == 300


def test_every_wrong_record_is_named_and_nothing_is_saved(
    api_client, operator, running_class, sessions, trainees
):
    a, b, c = trainees
    api_client.force_authenticate(operator)
    body = {
        "records": [
            {"session": sessions[0].pk, "enrolment": a.pk, "mode": "offline", "minutes": 405},
            {"session": 999_999, "enrolment": b.pk, "mode": "offline", "minutes": 60},
            {"session": sessions[0].pk, "enrolment": 999_999, "mode": "offline", "minutes": 60},
            {"session": sessions[0].pk, "enrolment": c.pk, "mode": "offline", "minutes": 999},
            {"session": sessions[0].pk, "enrolment": a.pk, "mode": "offline", "minutes": 60},
            {"session": sessions[0].pk, "enrolment": b.pk, "mode": "offline"},
        ]
    }

    response = api_client.post(f"/api/v1/classes/{running_class.pk}/attendance", body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "共 5 处错误，未导入任何数据"
    assert [(e["row"], e["field"]) for e in data["errors"]] == [
        (2, "session"),
        (3, "enrolment"),
        (4, "minutes"),
        (5, "enrolment"),
        (6, "minutes"),
    ]
    assert not Attendance.objects.exists()


def test_a_malformed_body_is_one_chinese_error(api_client, operator, running_class):
    api_client.force_authenticate(operator)

    response = api_client.post(
        f"/api/v1/classes/{running_class.pk}/attendance", {"records": [{"session": "x"}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "records[0].session"


def test_the_sign_in_sheet_by_api(api_client, operator, running_class, trainees):
    a, b, _ = trainees
    api_client.force_authenticate(operator)
    upload = xlsx_file(
        [SHEET, ["2026-12-05", "09:00", *_p(a), "08:55", "15:50"], ["2026-12-05", "09:00", *_p(b), "", ""]]
    )

    response = api_client.post(
        f"/api/v1/classes/{running_class.pk}/attendance/sheet", {"file": upload}, format="multipart"
    )

    assert response.status_code == 201, response.content
    assert response.json() == {"created": 1, "updated": 0, "saved": 1}
    assert Attendance.objects.get().source == AttendanceSource.SIGN_IN_SHEET
    missing = api_client.post(f"/api/v1/classes/{running_class.pk}/attendance/sheet", {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "file"


def test_results_by_upload(api_client, operator, running_class, trainees):
    a, b, c = trainees
    api_client.force_authenticate(operator)
    rows = [
        RESULTS,
        [*_p(a), "合格", "职业技能等级证书", "S0001", "2026-12-28"],
        [*_p(b), "不合格", "", "", ""],
        [*_p(c), "缺考", "", "", ""],
    ]

    response = api_client.post(
        f"/api/v1/classes/{running_class.pk}/results/upload",
        {"file": xlsx_file(rows, name="结果.xlsx")},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "updated": 0, "saved": 3}
    assert Result.objects.get(enrolment=a).outcome == "passed"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_class_operator_writes(api_client, people, running_class, sessions, trainees, role):
    a = trainees[0]
    api_client.force_authenticate(people[role])
    base = f"/api/v1/classes/{running_class.pk}"
    record = {"records": [{"session": sessions[0].pk, "enrolment": a.pk, "mode": "offline", "minutes": 60}]}

    answers = [
        api_client.post(base + "/attendance", record, format="json").status_code,
        api_client.post(
            base + "/attendance/sheet", {"file": xlsx_file([SHEET])}, format="multipart"
        ).status_code,
        api_client.post(
            base + "/results/upload", {"file": xlsx_file([RESULTS])}, format="multipart"
        ).status_code,
    ]

    if role == "operator":
        assert answers[0] == 201
    else:
        expected = 403 if role in SEES else 404
        assert answers == [expected] * 3
        assert not Attendance.objects.exists() and not Result.objects.exists()
