"""Bank accounts in full only for the institution's own operators, the officer of its district
and the municipal admin; masked (``3100***********0001``) for every other reader, on the list,
the detail page and the API alike."""

import pytest
from django.urls import reverse

from apps.core.masking import mask_bank_account
from tests.factories import NumberedInstitutionFactory

from .conftest import api_login, login

pytestmark = pytest.mark.django_db

ACCOUNT = "6222021234567890123"
MASKED = mask_bank_account(ACCOUNT)

READERS = [
    pytest.param("municipal_admin", True, id="municipal admin: full"),
    pytest.param("officer_of_district", True, id="officer of the district: full"),
    pytest.param("operator_own", True, id="own operator: full"),
    pytest.param("reviewer_engaged", False, id="engaged reviewer: masked"),
    pytest.param("auditor", False, id="auditor: masked"),
]


@pytest.fixture
def institution(world):
    world.institution.bank_account = ACCOUNT
    world.institution.save()
    return world.institution


def _shows(body: str, full: bool) -> None:
    assert MASKED == "6222***********0123"
    assert (ACCOUNT in body) is full
    assert (MASKED in body) is not full


@pytest.mark.parametrize(("role", "full"), READERS)
def test_list_page(client, world, institution, role, full):
    page = login(client, world.user(role)).get(reverse("institutions:institution_list"))
    _shows(page.content.decode(), full)


@pytest.mark.parametrize(("role", "full"), READERS)
def test_detail_page(client, world, institution, role, full):
    page = login(client, world.user(role)).get(
        reverse("institutions:institution_detail", args=[institution.pk])
    )
    _shows(page.content.decode(), full)


@pytest.mark.parametrize(("role", "full"), READERS)
def test_api_list_and_detail(api_client, world, institution, role, full):
    api = api_login(api_client, world.user(role))
    [row] = [r for r in api.get("/api/v1/institutions/").json()["results"] if r["id"] == institution.pk]
    detail = api.get(f"/api/v1/institutions/{institution.pk}/").json()
    assert row["bank_account"] == detail["bank_account"] == (ACCOUNT if full else MASKED)


def test_my_institutions_page_shows_the_operator_its_account(client, world, institution):
    page = login(client, world.user("operator_own")).get(reverse("institutions:my_institutions"))
    _shows(page.content.decode(), True)


def test_the_officer_sees_its_own_district_in_full_and_the_admin_every_district(client, world):
    wanzhou_account = "6217003333444455556"
    NumberedInstitutionFactory(wanzhou=True, bank_account=wanzhou_account)
    officer_view = login(client, world.user("officer_other_district")).get(
        reverse("institutions:institution_list")
    )
    assert wanzhou_account in officer_view.content.decode()
    admin_view = login(client, world.user("municipal_admin")).get(reverse("institutions:institution_list"))
    assert wanzhou_account in admin_view.content.decode()
    auditor_view = login(client, world.user("auditor")).get(reverse("institutions:institution_list"))
    assert wanzhou_account not in auditor_view.content.decode()
    assert mask_bank_account(wanzhou_account) in auditor_view.content.decode()
