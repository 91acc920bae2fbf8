"""Every role × every confirmation page: the trainee's pages answer everyone (anonymous included,
no login: the link or the code is the key); sending a request again follows the matrix of
tests/claims/test_permission_matrix.py (a claim out of scope 404, visible but not allowed 403, the
anonymous visitor to the login page): the municipal admin and the claim district's officer only."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from apps.confirmations.models import ConfirmationRequest
from tests.factories import UserFactory, district

from .conftest import PHONES, sent

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
def world(submitted, outbox, officer, operator, admin_user):
    person = ConfirmationRequest.objects.get(claim=submitted, person__name="王未过").person
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
    return {"users": users, "claim": submitted, "token": sent(outbox)[PHONES["full"]].token, "person": person}


def everyone(ok):
    return dict.fromkeys(ROLES, ok)


PAGES = {
    "the link": ("get", lambda w: reverse("confirmations:link", args=[w["token"]]), None, everyone(200)),
    "answer by the link": (
        "post",
        lambda w: reverse("confirmations:link", args=[w["token"]]),
        {"answer": "confirm"},
        everyone(302),
    ),
    "the code form": ("get", lambda w: reverse("confirmations:code"), None, everyone(200)),
    "the code's page without a code": ("get", lambda w: reverse("confirmations:mine"), None, everyone(302)),
    "send again": (
        "post",
        lambda w: reverse("confirmations:resend", args=[w["claim"].pk]),
        lambda w: {"person": w["person"].pk},
        {
            **dict.fromkeys(ROLES, 403),
            "anonymous": "login",
            "officer_other_district": 404,
            "filer": 404,
            "municipal_admin": 302,
            "officer_of_district": 302,
        },
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_role(world, name, django_capture_on_commit_callbacks):
    method, url, data, expected = PAGES[name]
    for role in ROLES:
        sid = transaction.savepoint()
        client = Client()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        before = ConfirmationRequest.objects.count()
        with django_capture_on_commit_callbacks(execute=False):
            if method == "get":
                response = client.get(url(world))
            else:
                response = client.post(url(world), data(world) if callable(data) else data)
        want = expected[role]
        if want == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], (role, name)
        else:
            assert response.status_code == want, (role, name, response.status_code)
        if name == "send again":
            assert (ConfirmationRequest.objects.count() > before) == (want == 302), (role, name)
        transaction.savepoint_rollback(sid)


def test_the_claim_page_section_reads_in_few_queries(world, django_assert_max_num_queries):
    client = Client()
    client.force_login(world["users"]["officer_of_district"])
    with django_assert_max_num_queries(40):
        html = client.get(reverse("claims:detail", args=[world["claim"].pk])).content.decode()
    assert 'id="confirmations"' in html and "无手机号码" in html and "重新发送" in html
