"""GET /api/v1/classes/{id}/attendance, POST …/attendance/online, GET/POST …/results."""

import pytest

from apps.core.models import StateChange
from apps.trainees.models import Attendance, Result
from apps.trainees.services.attendance import AttendanceRow, attendance_save_many
from tests.trainees.attendance.conftest import REVEALS, ROLES, SEES
from tests.trainees.attendance_factories import csv_file, id_number

pytestmark = pytest.mark.django_db
ONLINE = ["身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数"]


def _masked(number):
    return number[:4] + "*" * 10 + number[-4:]


def test_attendance_per_trainee_per_session(api_client, operator, running_class, sessions, trainees):
    a = trainees[0]
    rows = [
        AttendanceRow(sessions[0], a.pk, a.person_id, 90, "offline"),
        AttendanceRow(sessions[2], a.pk, a.person_id, 135, "live"),
    ]
    attendance_save_many(
        actor=operator, training_class=running_class, rows=rows, source="manual", reason="测试"
    )
    api_client.force_authenticate(operator)
    data = api_client.get(f"/api/v1/classes/{running_class.pk}/attendance").json()
    assert data["count"] == 3
    assert len(data["sessions"]) == 8
    assert data["sessions"][0] == {
        "id": sessions[0].pk,
        "date": "2026-12-05",
        "start_time": "09:00",
        "end_time": "15:45",
        "mode": "offline",
        "minutes": 405,
        "class_hours": 9,
    }
    first = data["results"][0]
    assert (first["person"], first["id_number"], first["can_reveal"]) == (
        a.person_id,
        _masked(a.person.id_number),
        True,
    )
    assert first["attendance"] == [
        {
            "session": sessions[0].pk,
            "minutes": 90,
            "class_hours": 2,
            "mode": "offline",
            "signed_in_at": None,
            "signed_out_at": None,
            "flags": [],
        },
        {
            "session": sessions[2].pk,
            "minutes": 135,
            "class_hours": 3,
            "mode": "live",
            "signed_in_at": None,
            "signed_out_at": None,
            "flags": [],
        },
    ]
    assert (first["offline_hours"], first["online_hours"], first["class_hours"], first["days"]) == (
        2,
        3,
        5,
        "5/6",
    )
    assert data["results"][1]["attendance"] == []


def test_online_upload_201_and_400_with_row_errors(api_client, operator, running_class, trainees):
    a, b, _ = trainees
    api_client.force_authenticate(operator)
    url = f"/api/v1/classes/{running_class.pk}/attendance/online"
    bad = csv_file(
        [
            ONLINE,
            [a.person.id_number, a.person.name, "2026-12-09", "19:00", "60"],
            [id_number(999_996), "某人", "2026-12-09", "19:00", "60"],
            [b.person.id_number, b.person.name, "2026-12-09", "19:00", "999"],
        ]
    )
    response = api_client.post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "共 2 处错误，未导入任何数据"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "身份证号码"), (4, "学习分钟数")]
    assert body["errors"][1]["message"] == "999 分钟超过课次时长 135 分钟"
    assert not Attendance.objects.exists()

    good = csv_file([ONLINE, [a.person.id_number, a.person.name, "2026-12-09", "19:00", "60"]], bom=True)
    response = api_client.post(url, {"file": good}, format="multipart")
    assert response.status_code == 201
    assert response.json() == {"created": 1, "updated": 0, "saved": 1}
    missing = api_client.post(url, {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "file"


def test_results_get_and_post(api_client, operator, running_class, trainees):
    a = trainees[0]
    api_client.force_authenticate(operator)
    url = f"/api/v1/classes/{running_class.pk}/results"
    refused = api_client.post(url, {"enrolment": a.pk, "outcome": "passed"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "certificate_type" and refused.json()["rule"] == "R2.6"
    body = {
        "enrolment": a.pk,
        "outcome": "passed",
        "certificate_type": "special_ability",
        "certificate_number": "ZX-2026-01",
        "certificate_date": "2026-12-21",
    }
    created = api_client.post(url, body, format="json")
    assert created.status_code == 201
    assert created.json()["result"] == {
        "outcome": "passed",
        "certificate_type": "special_ability",
        "certificate_number": "ZX-2026-01",
        "certificate_date": "2026-12-21",
    }
    listed = api_client.get(url).json()
    assert listed["count"] == 3 and not listed["complete"]
    assert listed["lacking"] == [t.person.name for t in trainees[1:]]
    assert listed["results"][0]["result"]["outcome"] == "passed"
    assert listed["results"][1]["result"] is None


@pytest.mark.parametrize("role", ROLES)
def test_api_permissions(api_client, people, running_class, trainees, role):
    a = trainees[0]
    api_client.force_authenticate(people[role])
    base = f"/api/v1/classes/{running_class.pk}"
    for path in ("/attendance", "/results"):
        response = api_client.get(base + path)
        assert response.status_code == (200 if role in SEES else 404), path
    if role in SEES:  # masked for every role, the class's operator too; revealed one by one
        for path in ("/attendance", "/results"):
            response = api_client.get(base + path)
            listed = response.json()["results"]
            assert (listed[0]["person"], listed[0]["id_number"]) == (a.person_id, _masked(a.person.id_number))
            assert {row["can_reveal"] for row in listed} == {role in REVEALS}, path
            assert a.person.id_number not in response.content.decode(), path
    logged = StateChange.objects.count()
    upload = csv_file([ONLINE, [a.person.id_number, a.person.name, "2026-12-09", "19:00", "60"]])
    posted = api_client.post(base + "/attendance/online", {"file": upload}, format="multipart")
    result = api_client.post(base + "/results", {"enrolment": a.pk, "outcome": "absent"}, format="json")
    if role == "operator":
        assert (posted.status_code, result.status_code) == (201, 201)
    else:
        expected = 403 if role in SEES else 404
        assert (posted.status_code, result.status_code) == (expected, expected)
        assert not Attendance.objects.exists() and not Result.objects.exists()
        assert StateChange.objects.count() == logged


@pytest.mark.parametrize("role", ["admin", "officer", "reviewer", "auditor", "operator"])
def test_a_listed_trainee_is_revealed_one_by_one_and_logged(
    api_client, people, running_class, trainees, role
):
    from apps.trainees.models import PersonalDataView

    user = people[role]
    api_client.force_authenticate(user)
    listed = api_client.get(f"/api/v1/classes/{running_class.pk}/results").json()["results"][0]
    response = api_client.post(
        f"/api/v1/persons/{listed['person']}/reveal", {"purpose": "identity"}, format="json"
    )
    if role in REVEALS:
        assert response.status_code == 200
        assert response.json()["id_number"] == trainees[0].person.id_number
        view = PersonalDataView.objects.get()
        assert (view.person_id, view.viewer, view.purpose) == (trainees[0].person_id, user, "核对学员身份")
    else:
        assert response.status_code == 403
        assert not PersonalDataView.objects.exists()
