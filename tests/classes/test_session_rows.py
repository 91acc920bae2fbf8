"""The class form as a browser submits it: dates render as ISO, an edit that changes one field
keeps every session, the blank extra rows are never required (issue 14)."""

from datetime import date, time

import pytest
from django.urls import reverse

from apps.classes.models import TrainingClass
from apps.classes.services import SessionInput
from tests.browser_form import submitted

pytestmark = pytest.mark.django_db

TWENTY = [
    SessionInput(
        date(2026, 11, 2 + i), time(9, 0), time(12, 0), "live" if i % 5 == 4 else "offline", f"第{i + 1}讲"
    )
    for i in range(20)
]


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html, submitted(html[html.index('<form method="post" novalidate') :])


def _sessions(training_class):
    return [
        (s.date, s.start_time, s.end_time, s.mode, s.topic) for s in training_class.sessions.order_by("date")
    ]


def test_an_edit_shows_every_date_and_keeps_all_twenty_sessions(client, make_class, operator):
    training_class = make_class(sessions=TWENTY, start_date=date(2026, 11, 2), end_date=date(2026, 11, 21))
    before = _sessions(training_class)
    client.force_login(operator)
    url = reverse("classes:edit", args=[training_class.pk])
    html, data = _page(client, url)
    assert 'type="date" name="start_date" value="2026-11-02"' in html
    assert data["sessions-0-date"] == "2026-11-02" and data["sessions-19-date"] == "2026-11-21"
    assert data["sessions-TOTAL_FORMS"] == "23"

    data["teachers"] = "李师傅（高级技师）"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    training_class.refresh_from_db()
    assert training_class.teachers == "李师傅（高级技师）"
    assert _sessions(training_class) == before and len(before) == 20


def test_a_new_class_with_one_session_and_two_blank_rows_one_marked_deleted(client, operator, lathe, rates):
    client.force_login(operator)
    url = reverse("classes:create")
    _, data = _page(client, url)
    data.update(
        {
            "name": "车工中级周末班",
            "occupation": str(lathe.pk),
            "level": "4",
            "start_date": "2026-12-05",
            "end_date": "2026-12-05",
            "venue": "渝中区解放碑实训基地",
            "teachers": "李师傅",
            "planned_trainees": "30",
            "sessions-0-date": "2026-12-05",
            "sessions-0-start_time": "09:00",
            "sessions-0-end_time": "15:45",
            "sessions-2-DELETE": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    training_class = TrainingClass.objects.get()
    assert _sessions(training_class) == [(date(2026, 12, 5), time(9, 0), time(15, 45), "offline", "")]


def test_deleting_one_session_in_an_edit_removes_that_one_only(client, make_class, operator):
    training_class = make_class(sessions=TWENTY, start_date=date(2026, 11, 2), end_date=date(2026, 11, 21))
    client.force_login(operator)
    url = reverse("classes:edit", args=[training_class.pk])
    _, data = _page(client, url)
    data["sessions-3-DELETE"] = "on"
    data["sessions-20-date"] = "2026-11-22"
    data["sessions-20-start_time"] = "09:00"
    data["sessions-20-end_time"] = "10:30"
    data["end_date"] = "2026-11-22"
    assert client.post(url, data).status_code == 302
    days = [s[0].day for s in _sessions(training_class)]
    assert days == [d for d in range(2, 23) if d != 5]
