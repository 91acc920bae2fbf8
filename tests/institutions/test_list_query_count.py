"""The institution list costs the same number of queries for 5 and for 50 institutions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import NumberedInstitutionFactory, UserFactory, district

pytestmark = pytest.mark.django_db


def _institutions(count: int, **kwargs) -> None:
    for _ in range(count):
        NumberedInstitutionFactory(**kwargs)


ROLES = {
    "officer": lambda: UserFactory(officer=True),
    "municipal admin": lambda: UserFactory(municipal_admin=True),
    "reviewer": lambda: UserFactory(reviewer=True, engaged=[district("500103"), district("500101")]),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_institution_list_query_count_is_the_same_for_5_and_50(client, role):
    client.force_login(ROLES[role]())
    url = reverse("institutions:institution_list")
    _institutions(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _institutions(45)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(url + "?page=2&sort=-name").status_code == 200
    # session, user, count, the page's ids, its rows (district and employer joined, bank-account
    # readability an expression computed for the page's rows alone: apps.core.pagination), the
    # status counts, and either the officer's district in the page header or the district
    # filter's options; a third-party reviewer's request also asks whether their access still
    # stands (apps.institutions.permissions.agency_access_refusal, R7.1)
    assert len(five) == len(fifty) <= (8 if role == "reviewer" else 7)


def test_operator_list_query_count_is_the_same_for_5_and_50(client):
    operator = UserFactory(operator=True)
    client.force_login(operator)
    url = reverse("institutions:institution_list")
    _institutions(5, members=[operator])
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _institutions(45, members=[operator])
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(url + "?page=2").status_code == 200
    # session, user, count, the page's ids, its rows (membership an EXISTS for the page's rows),
    # the status counts, the operator's district in the page header
    assert len(five) == len(fifty) <= 7


def test_institution_api_list_query_count_is_the_same_for_5_and_50(api_client):
    api_client.force_authenticate(UserFactory(officer=True))
    _institutions(5)
    with CaptureQueriesContext(connection) as five:
        assert api_client.get("/api/v1/institutions/").json()["count"] == 5
    _institutions(45)
    with CaptureQueriesContext(connection) as fifty:
        assert api_client.get("/api/v1/institutions/").json()["count"] == 50
    # count, the page's ids, its rows
    assert len(five) == len(fifty) <= 3
