"""Every role × every inspection page, around a drawn week of 渝中区 whose inspection is assigned
to its officer. Out of scope 404, visible but not allowed 403, the anonymous visitor to login."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.inspections.models import Inspection, InspectionDraw
from tests.factories import UserFactory

from .conftest import WEEK, draw_week

ROLES = [
    "admin",
    "officer_own",
    "officer_other",
    "auditor",
    "reviewer",
    "reviewer_other",
    "operator",
    "filer",
    "anonymous",
]


@pytest.fixture
def setup(scene, officer, admin):
    (inspection,) = draw_week(scene, officer).inspections
    users = {
        "admin": admin,
        "officer_own": officer,
        "officer_other": UserFactory(officer=True, district=scene.world.wanzhou),
        "auditor": UserFactory(auditor=True),
        "reviewer": UserFactory(reviewer=True, engaged=[scene.world.yuzhong]),
        "reviewer_other": UserFactory(reviewer=True, engaged=[scene.world.wanzhou]),
        "operator": UserFactory(operator=True),
        "filer": UserFactory(filer=True),
        "anonymous": None,
    }
    return {"users": users, "inspection": inspection, "scene": scene}


def _visit_data(s):
    e = s["scene"].enrolments
    return {"visited_time": "09:30", "head_count": "3", "present": [str(x.pk) for x in e], "remarks": ""}


ACTIONS = {
    "list": ("get", lambda s: reverse("inspections:list"), None),
    "draws": ("get", lambda s: reverse("inspections:draws"), None),
    "draw": (
        "post",
        lambda s: reverse("inspections:draws"),
        {"district": "500103", "week_start": "2021-06-14"},
    ),
    "detail": ("get", lambda s: reverse("inspections:detail", args=[s["inspection"].pk]), None),
    "record": ("post", lambda s: reverse("inspections:detail", args=[s["inspection"].pk]), _visit_data),
    "reassign": (
        "post",
        lambda s: reverse("inspections:reassign", args=[s["inspection"].pk]),
        lambda s: {"inspector": str(s["users"]["reviewer"].pk), "reason": "原检查人员出差"},
    ),
}

# Expected status per action and role (302 after a successful POST or to the login page).
EXPECTED = {
    "list": {
        "admin": 200,
        "officer_own": 200,
        "officer_other": 200,
        "auditor": 200,
        "reviewer": 200,
        "reviewer_other": 200,
        "operator": 403,
        "filer": 403,
        "anonymous": 302,
    },
    "draws": {
        "admin": 200,
        "officer_own": 200,
        "officer_other": 200,
        "auditor": 200,
        "reviewer": 403,
        "reviewer_other": 403,
        "operator": 403,
        "filer": 403,
        "anonymous": 302,
    },
    "draw": {
        "admin": 302,
        "officer_own": 302,
        "officer_other": 400,
        "auditor": 403,
        "reviewer": 403,
        "reviewer_other": 403,
        "operator": 403,
        "filer": 403,
        "anonymous": 302,
    },
    "detail": {
        "admin": 200,
        "officer_own": 200,
        "officer_other": 404,
        "auditor": 200,
        "reviewer": 404,
        "reviewer_other": 404,
        "operator": 404,
        "filer": 404,
        "anonymous": 302,
    },
    "reassign": {
        "admin": 302,
        "officer_own": 302,
        "officer_other": 404,
        "auditor": 403,
        "reviewer": 404,
        "reviewer_other": 404,
        "operator": 404,
        "filer": 404,
        "anonymous": 302,
    },
    "record": {
        "admin": 403,
        "officer_own": 302,
        "officer_other": 404,
        "auditor": 403,
        "reviewer": 404,
        "reviewer_other": 404,
        "operator": 404,
        "filer": 404,
        "anonymous": 302,
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_role_on_every_inspection_page(setup, action, role):
    method, url, data = ACTIONS[action]
    client = Client()
    user = setup["users"][role]
    if user is not None:
        client.force_login(user)
    body = data(setup) if callable(data) else data
    before = (InspectionDraw.objects.count(), list(Inspection.objects.values_list("status", flat=True)))
    response = (
        getattr(client, method)(url(setup), body) if body is not None else getattr(client, method)(url(setup))
    )
    assert response.status_code == EXPECTED[action][role], response.content.decode()[:300]
    if role == "anonymous":
        assert "/login" in response["Location"] or "login" in response["Location"]
    after = (InspectionDraw.objects.count(), list(Inspection.objects.values_list("status", flat=True)))
    if response.status_code != 302 or role == "anonymous":
        assert after == before  # a refused action changes nothing


def test_the_list_costs_the_same_for_more_inspections(setup, django_assert_max_num_queries):
    client = Client()
    client.force_login(setup["users"]["admin"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("inspections:list")).status_code == 200


def test_the_inspector_sees_it_on_the_home_page(setup):
    client = Client()
    client.force_login(setup["users"]["officer_own"])
    page = client.get("/").content.decode()
    assert "我的过程监管检查" in page and f"#{setup['inspection'].pk}" in page
    assert WEEK.isoformat() in client.get(reverse("inspections:draws")).content.decode()


def test_an_officer_reassigns_an_inspection_not_yet_visited(setup):
    from apps.core.errors import ApplicationError
    from apps.inspections.services import inspection_reassign
    from apps.notices.models import Notice

    inspection, officer, reviewer = (
        setup["inspection"],
        setup["users"]["officer_own"],
        setup["users"]["reviewer"],
    )
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert 'id="reassign"' in page and str(reviewer) in page
    with pytest.raises(ApplicationError, match="请说明改派原因"):
        inspection_reassign(inspection=inspection, actor=officer, inspector_id=reviewer.pk, reason=" ")
    with pytest.raises(ApplicationError, match="改派的检查人员须是"):
        inspection_reassign(
            inspection=inspection, actor=officer, inspector_id=setup["users"]["reviewer_other"].pk, reason="x"
        )
    inspection_reassign(
        inspection=inspection, actor=officer, inspector_id=reviewer.pk, reason="原检查人员出差"
    )
    inspection.refresh_from_db()
    assert inspection.inspector == reviewer
    assert Notice.objects.filter(
        recipient=reviewer, kind="inspection_assigned", body__contains="出差"
    ).exists()
    # The reviewer now sees it and records it; the officer may no longer.
    client.force_login(reviewer)
    assert client.get(reverse("inspections:detail", args=[inspection.pk])).status_code == 200
