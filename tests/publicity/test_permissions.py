"""Every role × every publicity page: the public pages answer everyone (anonymous included); the
officers' pages follow the matrix of tests/claims/test_permission_matrix.py (out of scope 404,
visible but not allowed 403, the anonymous visitor to the login page). Officers of another
district neither publish here nor answer this district's objections."""

from datetime import date

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from apps.core import dates
from apps.ledger.services import claim_approve
from apps.publicity.models import Objection, ObjectionStatus, PublicNotice
from apps.publicity.services import notice_publish, objection_file
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db

ROLES = [
    "municipal_admin",
    "officer_of_district",
    "officer_other_district",
    "reviewer",
    "operator",
    "filer",
    "auditor",
    "anonymous",
]


@pytest.fixture
def world(reviewed, officer, operator, admin_user, allocation, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: date(2025, 9, 30))
    claim_approve(claim=reviewed, actor=officer)
    notice = notice_publish(actor=officer, district=district("500103"))
    objection = objection_file(notice=notice, name="王五", contact="13800001111", text="x")
    users = {
        "municipal_admin": admin_user,
        "officer_of_district": officer,
        "officer_other_district": UserFactory(officer=True, district=district("500101")),
        "reviewer": UserFactory(reviewer=True, engaged=[district("500103")]),
        "operator": operator,
        "filer": UserFactory(filer=True, district=district("500103")),
        "auditor": UserFactory(auditor=True),
        "anonymous": None,
    }
    return {"users": users, "notice": notice, "objection": objection}


def everyone(ok):
    return dict.fromkeys(ROLES, ok)


def office(ok, **roles):
    expected = {**dict.fromkeys(ROLES, 403), "anonymous": "login"}
    expected.update(municipal_admin=ok, officer_of_district=ok, officer_other_district=ok, auditor=ok)
    expected.update(roles)
    return expected


# Those who read no objection at all: an objection is out of their scope.
UNSEEN = dict.fromkeys(("reviewer", "operator", "filer"), 404)
ANSWER = {"verdict": "rejected", "answer": "不属实", "confirm": "on"}
PAGES = {
    "notice list": ("get", lambda w: reverse("publicity:notices"), None, everyone(200)),
    "notice page": ("get", lambda w: reverse("publicity:notice", args=[w["notice"].pk]), None, everyone(200)),
    "objection form": (
        "get",
        lambda w: reverse("publicity:objection_create", args=[w["notice"].pk]),
        None,
        everyone(200),
    ),
    "file an objection": (
        "post",
        lambda w: reverse("publicity:objection_create", args=[w["notice"].pk]),
        {"name": "赵六", "contact": "a@example.cn", "text": "y"},
        everyone(302),
    ),
    "office": ("get", lambda w: reverse("publicity:office"), None, office(200)),
    "publish form": (
        "get",
        lambda w: reverse("publicity:publish"),
        None,
        office(403, officer_of_district=200, officer_other_district=200),
    ),
    "objection list": ("get", lambda w: reverse("publicity:objections"), None, office(200)),
    "objection page": (
        "get",
        lambda w: reverse("publicity:objection", args=[w["objection"].pk]),
        None,
        office(200, officer_other_district=404, **UNSEEN),
    ),
    "answer an objection": (
        "post",
        lambda w: reverse("publicity:objection", args=[w["objection"].pk]),
        ANSWER,
        office(403, officer_of_district=302, officer_other_district=404, **UNSEEN),
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_role(world, name):
    method, url, data, expected = PAGES[name]
    for role in ROLES:
        sid = transaction.savepoint()
        client = Client()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        response = client.get(url(world)) if method == "get" else client.post(url(world), data)
        want = expected[role]
        if want == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], (role, name)
        else:
            assert response.status_code == want, (role, name, response.status_code)
        if method == "post" and name == "answer an objection":
            status = Objection.objects.get(pk=world["objection"].pk).status
            assert (status != ObjectionStatus.OPEN) == (want == 302), (role, name)
        transaction.savepoint_rollback(sid)


def test_an_officer_of_another_district_sees_none_of_its_objections(world):
    client = Client()
    client.force_login(world["users"]["officer_other_district"])
    assert world["objection"].number not in client.get(reverse("publicity:objections")).content.decode()
    assert PublicNotice.objects.count() == 1


def test_the_officers_lists_read_in_few_queries(world, django_assert_max_num_queries):
    client = Client()
    client.force_login(world["users"]["officer_of_district"])
    for name in ("publicity:office", "publicity:objections"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name)).status_code == 200
