"""Pages and API of class applications: the permission matrix, the review queue and the
issue's walk-through (school applies for a 周末班, officer returns, school resubmits, officer approves)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.classes.models import ClassStatus, TrainingClass
from apps.classes.services import class_transition
from apps.core.models import StateChange
from tests.factories import InstitutionFactory, UserFactory, district

pytestmark = pytest.mark.django_db
S = ClassStatus


def _form(lathe, **overrides):
    data = {
        "name": "车工中级周末班",
        "occupation": lathe.pk,
        "level": "4",
        "training_type": "post_skill",
        "organisation_mode": "concentrated",
        "schedule_pattern": "weekend",
        "start_date": "2026-12-05",
        "end_date": "2026-12-20",
        "venue": "渝中区解放碑实训基地",
        "teachers": "李师傅",
        "planned_trainees": "30",
        "sessions-TOTAL_FORMS": "8",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    days = [
        ("2026-12-05", "offline"),
        ("2026-12-06", "offline"),
        ("2026-12-12", "offline"),
        ("2026-12-13", "offline"),
        ("2026-12-19", "offline"),
        ("2026-12-20", "offline"),
        ("2026-12-09", "live"),
        ("2026-12-16", "recorded"),
    ]
    for i, (day, mode) in enumerate(days):
        online = mode != "offline"
        data.update(
            {
                f"sessions-{i}-date": day,
                f"sessions-{i}-start_time": "19:00" if online else "09:00",
                f"sessions-{i}-end_time": "21:15" if online else "15:45",
                f"sessions-{i}-mode": mode,
                f"sessions-{i}-topic": "课程",
            }
        )
    data.update(overrides)
    return data


def _act(client, training_class, to, **extra):
    return client.post(
        reverse("classes:action", args=[training_class.pk]), {"to": to, "confirm": "on", **extra}, follow=True
    )


def test_walk_through_apply_return_resubmit_approve(client, operator, lathe, rates):
    officer = UserFactory(officer=True, username="officer.yuzhong")
    wanzhou = UserFactory(officer=True, username="officer.wanzhou", district=district("500101"))

    # school applies for a weekend class with two online sessions and sees the subsidy
    client.force_login(operator)
    response = client.post(reverse("classes:create"), _form(lathe), follow=True)
    assert response.status_code == 200
    training_class = TrainingClass.objects.get()
    body = response.content.decode()
    assert "共 60 课时，其中线上 6 课时" in body
    assert "1,410.00" in body and "42,300.00" in body  # per trainee; × 30 planned
    _act(client, training_class, S.SUBMITTED)
    training_class.refresh_from_db()
    assert training_class.status == S.SUBMITTED

    # officer.yuzhong finds it in the queue and returns it with a reason
    client.force_login(officer)
    queue = client.get(reverse("classes:list") + "?status=submitted")
    assert "车工中级周末班" in queue.content.decode()
    _act(client, training_class, S.RETURNED, reason="请补充授课教师资格证明")
    training_class.refresh_from_db()
    assert training_class.status == S.RETURNED

    # school sees the reason, fixes and resubmits
    client.force_login(operator)
    detail = client.get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert "请补充授课教师资格证明" in detail
    client.post(
        reverse("classes:edit", args=[training_class.pk]),
        _form(
            lathe,
            teachers="李师傅（高级技师）",
            **{"sessions-TOTAL_FORMS": "11", "sessions-INITIAL_FORMS": "8"},
        ),
    )
    _act(client, training_class, S.SUBMITTED)
    training_class.refresh_from_db()
    assert (training_class.status, training_class.teachers) == (S.SUBMITTED, "李师傅（高级技师）")

    # the officer approves; officer.wanzhou cannot see it
    client.force_login(officer)
    _act(client, training_class, S.APPROVED, reason="材料齐全")
    training_class.refresh_from_db()
    assert training_class.status == S.APPROVED and training_class.rate == 150
    client.force_login(wanzhou)
    assert client.get(reverse("classes:detail", args=[training_class.pk])).status_code == 404
    assert "车工中级周末班" not in client.get(reverse("classes:list")).content.decode()


def test_action_without_confirmation_changes_nothing(client, make_class, operator):
    training_class = make_class()
    client.force_login(operator)
    client.post(reverse("classes:action", args=[training_class.pk]), {"to": S.SUBMITTED}, follow=True)
    training_class.refresh_from_db()
    assert training_class.status == S.DRAFT


ROLES = [
    "admin",
    "officer",
    "other_officer",
    "reviewer",
    "other_reviewer",
    "operator",
    "other_operator",
    "filer",
    "auditor",
]


@pytest.fixture
def people(operator):
    other_school = InstitutionFactory(uscc="91500101MA5U12345B", name="另一所学校")
    other_operator = UserFactory(operator=True)
    other_school.members.add(other_operator)
    return {
        "admin": UserFactory(municipal_admin=True),
        "officer": UserFactory(officer=True),
        "other_officer": UserFactory(officer=True, district=district("500101")),
        "reviewer": UserFactory(reviewer=True, engaged=[district("500103")]),
        "other_reviewer": UserFactory(reviewer=True, engaged=[district("500101")]),
        "operator": operator,
        "other_operator": other_operator,
        "filer": UserFactory(filer=True),
        "auditor": UserFactory(auditor=True),
    }


SEES = {"admin", "officer", "reviewer", "operator", "auditor"}
# A draft is the institution's until it is submitted: third parties and auditors do not see it.
SEES_DRAFT = SEES - {"reviewer", "auditor"}
DECIDES = {"admin", "officer"}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_pages(client, people, make_class, role):
    training_class = make_class()
    user = people[role]
    client.force_login(user)
    detail = client.get(reverse("classes:detail", args=[training_class.pk]))
    assert detail.status_code == (200 if role in SEES_DRAFT else 404)
    edit = client.get(reverse("classes:edit", args=[training_class.pk]))
    assert edit.status_code == (200 if role == "operator" else 403 if role in SEES_DRAFT else 404)
    create = client.get(reverse("classes:create"))
    assert create.status_code == (200 if role in {"operator", "other_operator"} else 403)

    # operator's move (submit) by everyone else: refused, nothing changed
    logged = StateChange.objects.count()
    response = client.post(
        reverse("classes:action", args=[training_class.pk]), {"to": S.SUBMITTED, "confirm": "on"}
    )
    if role == "operator":
        assert response.status_code == 302
        training_class.refresh_from_db()
        assert training_class.status == S.SUBMITTED
    else:
        assert response.status_code == (403 if role in SEES_DRAFT else 404)
        assert StateChange.objects.count() == logged


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_decisions(client, people, make_class, operator, role):
    training_class = class_transition(training_class=make_class(), actor=operator, to=S.SUBMITTED)
    client.force_login(people[role])
    response = client.post(
        reverse("classes:action", args=[training_class.pk]),
        {"to": S.APPROVED, "confirm": "on", "reason": "同意"},
    )
    training_class.refresh_from_db()
    if role in DECIDES:
        assert training_class.status == S.APPROVED
    else:
        assert response.status_code == (403 if role in SEES else 404)
        assert training_class.status == S.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_api(api_client, people, make_class, operator, lathe, role):
    training_class = make_class()
    api_client.force_authenticate(people[role])
    assert api_client.get(f"/api/v1/classes/{training_class.pk}/").status_code == (
        200 if role in SEES_DRAFT else 404
    )
    listed = api_client.get("/api/v1/classes/").json()["results"]
    assert [c["id"] for c in listed] == ([training_class.pk] if role in SEES_DRAFT else [])
    response = api_client.post(
        f"/api/v1/classes/{training_class.pk}/transition", {"to": "submitted"}, format="json"
    )
    training_class.refresh_from_db()
    if role == "operator":
        assert response.status_code == 200 and training_class.status == S.SUBMITTED
        approve = api_client.post(
            f"/api/v1/classes/{training_class.pk}/transition", {"to": "approved"}, format="json"
        )
        assert approve.status_code == 403
    else:
        assert response.status_code == (403 if role in SEES_DRAFT else 404)
        assert training_class.status == S.DRAFT


def test_api_create_update_submit_and_errors(api_client, operator, lathe, rates):
    api_client.force_authenticate(operator)
    body = {
        "name": "API 班",
        "occupation": lathe.code,
        "level": 4,
        "training_type": "post_skill",
        "schedule_pattern": "weekend",
        "start_date": "2026-12-05",
        "end_date": "2026-12-20",
        "venue": "基地",
        "teachers": "李师傅",
        "planned_trainees": 20,
        "sessions": [{"date": "2026-12-05", "start_time": "09:00", "end_time": "15:45", "mode": "offline"}],
    }
    created = api_client.post("/api/v1/classes/", data=json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["quote"]["planned_hours"] == 9
    assert data["quote"]["per_trainee"]["amount"] == "225.00"  # 150 × 9 / 6
    bad = api_client.put(
        f"/api/v1/classes/{data['id']}/",
        data=json.dumps({**body, "end_date": "2026-12-01"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "结业日期" in bad.json()["detail"]
    submitted = api_client.post(
        f"/api/v1/classes/{data['id']}/transition", {"to": "submitted"}, format="json"
    )
    assert submitted.json()["status"] == "submitted"
    again = api_client.post(f"/api/v1/classes/{data['id']}/transition", {"to": "submitted"}, format="json")
    assert again.status_code == 400 and "不能从" in again.json()["detail"]


def test_api_refusal_carries_the_rule(api_client, make_class, operator, school):
    school.status = "suspended"
    school.save()
    training_class = make_class()
    api_client.force_authenticate(operator)
    response = api_client.post(
        f"/api/v1/classes/{training_class.pk}/transition", {"to": "submitted"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "R4.1"


def _submitted(make_class, operator, count):
    for n in range(count):
        class_transition(training_class=make_class(name=f"班级{n}"), actor=operator, to=S.SUBMITTED)


def test_review_queue_query_count_is_the_same_for_5_and_50(client, make_class, operator):
    officer = UserFactory(officer=True)
    client.force_login(officer)
    url = reverse("classes:list") + "?status=submitted"
    _submitted(make_class, operator, 5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _submitted(make_class, operator, 45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert response.context["page"].paginator.count == 50
    # session, user, count, the page with institution, district and occupation joined, nav panels none
    assert len(five) == len(fifty)


def test_queue_filters(client, make_class, operator):
    officer = UserFactory(officer=True)
    class_transition(training_class=make_class(name="甲班"), actor=operator, to=S.SUBMITTED)
    make_class(name="乙班")
    client.force_login(officer)
    names = lambda q: [c.name for c in client.get(reverse("classes:list") + q).context["page"].object_list]  # noqa: E731
    assert names("?status=submitted") == ["甲班"]
    assert sorted(names("?level=4")) == ["乙班", "甲班"]
    assert names("?level=3") == []
    assert names("?has_findings=1") == []
    assert names("?start_from=2027-01-01") == []


def test_an_approved_class_links_to_its_roster_attendance_and_results(client, make_class, operator):
    officer = UserFactory(officer=True)
    training_class = class_transition(training_class=make_class(), actor=operator, to=S.SUBMITTED)
    client.force_login(operator)
    assert (
        reverse("roster:roster", args=[training_class.pk])
        not in client.get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    )
    class_transition(training_class=training_class, actor=officer, to=S.APPROVED)
    body = client.get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    for name in ("roster:roster", "attendance:grid", "attendance:results"):
        assert reverse(name, args=[training_class.pk]) in body
