"""District scoping of rate tables and settings: out of scope answers 404, like a missing row."""

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from tests.factories import InstitutionFactory, OccupationFactory, RateRowFactory, UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def yuzhong_row():
    return RateRowFactory(district=district("500103"))


@pytest.fixture
def wanzhou_row():
    return RateRowFactory(district=district("500101"))


def test_officer_gets_404_for_another_districts_rate_row_by_url(client, officer_wanzhou, yuzhong_row):
    client.force_login(officer_wanzhou)
    assert client.get(reverse("catalog:rate_row_detail", args=[yuzhong_row.pk])).status_code == 404
    assert client.get(reverse("catalog:rate_row_edit", args=[yuzhong_row.pk])).status_code == 404
    assert client.get(reverse("catalog:rate_table", args=["500103"])).status_code == 404
    assert client.get(reverse("catalog:district_settings", args=["500103"])).status_code == 404
    assert client.get(reverse("catalog:rate_row_create", args=["500103"])).status_code == 404


def test_officer_gets_404_for_another_districts_rate_row_by_api(
    api_client, officer_wanzhou, yuzhong_row, wanzhou_row
):
    api_client.force_authenticate(officer_wanzhou)
    assert api_client.get(f"/api/v1/rate-rows/{yuzhong_row.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/rate-rows/{wanzhou_row.pk}/").status_code == 200
    assert api_client.get("/api/v1/rate-rows/?district=500103").status_code == 404
    assert api_client.get("/api/v1/districts/500103/settings/").status_code == 404
    listed = api_client.get("/api/v1/rate-rows/").json()
    assert [r["id"] for r in listed["results"]] == [wanzhou_row.pk]


def test_missing_row_is_also_404(client, officer_yuzhong):
    client.force_login(officer_yuzhong)
    assert client.get(reverse("catalog:rate_row_detail", args=[999999])).status_code == 404


def test_officer_sees_own_district(client, officer_yuzhong, yuzhong_row):
    client.force_login(officer_yuzhong)
    page = client.get(reverse("catalog:rate_table", args=["500103"]))
    assert page.status_code == 200
    assert "新增补贴标准" in page.content.decode()
    assert client.get(reverse("catalog:rate_row_detail", args=[yuzhong_row.pk])).status_code == 200


@pytest.mark.parametrize("role", ["municipal_admin", "auditor"])
def test_city_wide_roles_see_every_district(client, role, yuzhong_row, wanzhou_row):
    user = UserFactory(**{role: True})
    client.force_login(user)
    for row in (yuzhong_row, wanzhou_row):
        assert client.get(reverse("catalog:rate_row_detail", args=[row.pk])).status_code == 200
    page = client.get(reverse("catalog:district_list"))
    assert page.context["districts"].count() == 41


def test_auditor_is_read_only(client, auditor, yuzhong_row):
    client.force_login(auditor)
    assert client.get(reverse("catalog:rate_row_edit", args=[yuzhong_row.pk])).status_code == 403
    assert client.get(reverse("catalog:rate_row_create", args=["500103"])).status_code == 403
    response = client.post(
        reverse("catalog:district_settings", args=["500103"]),
        {"key": "wft_monthly_amount", "value": "600", "effective_from": "2022-01-01", "note": "x"},
    )
    assert response.status_code == 403


def test_reviewer_sees_only_engaged_districts(client, yuzhong_row, wanzhou_row):
    reviewer = UserFactory(reviewer=True, engaged=[district("500103")])
    client.force_login(reviewer)
    assert client.get(reverse("catalog:rate_row_detail", args=[yuzhong_row.pk])).status_code == 200
    assert client.get(reverse("catalog:rate_row_detail", args=[wanzhou_row.pk])).status_code == 404
    assert client.get(reverse("catalog:rate_row_edit", args=[yuzhong_row.pk])).status_code == 403


def test_operator_reads_its_district_only(client, yuzhong_row, wanzhou_row):
    operator = UserFactory(operator=True)
    InstitutionFactory().members.add(operator)
    client.force_login(operator)
    assert client.get(reverse("catalog:rate_row_detail", args=[yuzhong_row.pk])).status_code == 200
    assert client.get(reverse("catalog:rate_row_detail", args=[wanzhou_row.pk])).status_code == 404
    assert client.get(reverse("catalog:rate_row_edit", args=[yuzhong_row.pk])).status_code == 403


def test_user_without_scope_sees_nothing(client, yuzhong_row):
    user = UserFactory(role=Role.ENTERPRISE_FILER, district=None)
    client.force_login(user)
    assert client.get(reverse("catalog:rate_row_detail", args=[yuzhong_row.pk])).status_code == 404


def _rows(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        RateRowFactory(
            occupation=OccupationFactory(code=f"6-18-{n // 100:02d}-{n % 100:02d}", name=f"职业{n}")
        )


def test_rate_table_query_count_is_the_same_for_5_and_50_rows(client, officer_yuzhong):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer_yuzhong)
    url = reverse("catalog:rate_table", args=["500103"])
    _rows(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _rows(45, start=5)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(url + "?page=2").status_code == 200
    # session, user, district, count, the page's ids, its rows with district and occupation
    # joined (for the page's rows alone: apps.core.pagination)
    assert len(five) == len(fifty) <= 7
