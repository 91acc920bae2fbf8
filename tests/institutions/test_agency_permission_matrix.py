"""Every role × every page of the third-party agencies (and the district's list of their reads),
around an agency with a contract signed by 渝中区 and one reviewer on its staff.

Out of scope answers 404, visible but not allowed 403, the anonymous visitor is sent to the login
page; a refused blacklisting changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.institutions.models import AgencyStaff, AgencyStatus
from tests.factories import (
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    ServiceContractFactory,
    ThirdPartyAgencyFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "municipal_admin",
    "officer_of_district",
    "officer_other_district",
    "reviewer_of_agency",
    "reviewer_of_other_agency",
    "operator",
    "filer",
    "auditor",
    "anonymous",
]


@pytest.fixture
def world():
    agency = ThirdPartyAgencyFactory()
    contract = ServiceContractFactory(agency=agency, district=district("500103"))
    other_agency = ThirdPartyAgencyFactory()
    ServiceContractFactory(agency=other_agency, district=district("500101"))
    users = {
        "municipal_admin": UserFactory(municipal_admin=True),
        "officer_of_district": UserFactory(officer=True),
        "officer_other_district": UserFactory(officer=True, district=district("500101")),
        "reviewer_of_agency": UserFactory(reviewer=True),
        "reviewer_of_other_agency": UserFactory(reviewer=True),
        "operator": UserFactory(operator=True),
        "filer": UserFactory(filer=True),
        "auditor": UserFactory(auditor=True),
    }
    AgencyStaff.objects.create(agency=agency, user=users["reviewer_of_agency"])
    AgencyStaff.objects.create(agency=other_agency, user=users["reviewer_of_other_agency"])
    NumberedInstitutionFactory(members=[users["operator"]])
    NumberedEmployerFactory(members=[users["filer"]])
    return agency, contract, users


def _urls(agency, contract):
    return {
        "list": reverse("institutions:agency_list"),
        "add": reverse("institutions:agency_add"),
        "detail": reverse("institutions:agency_detail", args=[agency.pk]),
        "contract_add": reverse("institutions:contract_add", args=[agency.pk]),
        "contract_terminate": reverse("institutions:contract_terminate", args=[agency.pk, contract.pk]),
        "staff_attach": reverse("institutions:staff_attach", args=[agency.pk]),
        "blacklist": reverse("institutions:agency_blacklist", args=[agency.pk]),
        "lift": reverse("institutions:agency_lift", args=[agency.pk]),
        "reads": reverse("roster:third_party_reads"),
    }


# route → role → expected status of a GET
EXPECTED = {
    "list": dict.fromkeys(ROLES, 200) | {"operator": 403, "filer": 403, "anonymous": "login"},
    "add": {
        "municipal_admin": 200,
        "officer_of_district": 200,
        "officer_other_district": 200,
        "reviewer_of_agency": 403,
        "reviewer_of_other_agency": 403,
        "operator": 403,
        "filer": 403,
        "auditor": 403,
        "anonymous": "login",
    },
    "detail": {
        "municipal_admin": 200,
        "officer_of_district": 200,
        "officer_other_district": 200,
        "reviewer_of_agency": 200,
        "reviewer_of_other_agency": 404,
        "operator": 404,
        "filer": 404,
        "auditor": 200,
        "anonymous": "login",
    },
}
_ACTING = {
    "municipal_admin": 200,
    "officer_of_district": 200,
    "officer_other_district": 403,
    "reviewer_of_agency": 403,
    "reviewer_of_other_agency": 404,
    "operator": 404,
    "filer": 404,
    "auditor": 403,
    "anonymous": "login",
}
EXPECTED["contract_add"] = _ACTING | {"officer_other_district": 200}  # for their own district
EXPECTED["contract_terminate"] = _ACTING
EXPECTED["staff_attach"] = _ACTING
EXPECTED["blacklist"] = _ACTING
EXPECTED["lift"] = _ACTING | {"officer_of_district": 403}
EXPECTED["reads"] = {
    "municipal_admin": 200,
    "officer_of_district": 200,
    "officer_other_district": 200,
    "reviewer_of_agency": 403,
    "reviewer_of_other_agency": 403,
    "operator": 403,
    "filer": 403,
    "auditor": 200,
    "anonymous": "login",
}


def _client(users, role):
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("route", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page(world, role, route):
    agency, contract, users = world
    response = _client(users, role).get(_urls(agency, contract)[route])
    expected = EXPECTED[route][role]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_the_admin_and_the_engaging_officer_blacklist(world, role):
    agency, contract, users = world
    response = _client(users, role).post(_urls(agency, contract)["blacklist"], {"reason": "虚假审核"})
    agency.refresh_from_db()
    if role in {"municipal_admin", "officer_of_district"}:
        assert response.status_code == 302 and agency.status == AgencyStatus.BLACKLISTED
        assert agency.blacklist_reason == "虚假审核"
    else:
        assert response.status_code in {302, 403, 404}
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))
        assert agency.status == AgencyStatus.ACTIVE


def test_a_blacklisting_without_a_reason_is_refused_on_the_form(world):
    agency, contract, users = world
    response = _client(users, "officer_of_district").post(
        _urls(agency, contract)["blacklist"], {"reason": ""}
    )
    assert response.status_code == 400
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.ACTIVE


def test_the_nav_offers_the_agencies_to_admin_and_officers(world):
    _, _, users = world
    for role, shown in [("municipal_admin", True), ("officer_of_district", True), ("operator", False)]:
        page = _client(users, role).get(reverse("core:home"))
        assert (reverse("institutions:agency_list") in page.content.decode()) is shown
