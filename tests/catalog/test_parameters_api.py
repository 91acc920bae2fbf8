"""GET /api/v1/parameters: the dated parameters of the rules (and a district's settings) as data."""

from datetime import date
from decimal import Decimal

import pytest

from apps import rules
from apps.catalog.services import district_setting_set
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


def test_every_parameter_in_force_with_its_rule_clause_and_validity(api_client):
    api_client.force_authenticate(UserFactory())

    response = api_client.get("/api/v1/parameters?date=2021-05-01")

    assert response.status_code == 200
    data = response.json()
    assert data["date"] == "2021-05-01"
    assert data["rules_version"] == rules.RULES_VERSION
    assert [p["name"] for p in data["parameters"]] == [p.name for p in rules.PARAMETERS]
    share = next(p for p in data["parameters"] if p["name"] == "online_share_cap")
    assert share == {
        "name": "online_share_cap",
        "label": "线上培训学时占培训总学时比例上限",
        "value": "0.30",
        "unit": "比例",
        "rule": "R2.3",
        "reference": "渝人社发〔2021〕12号 二",
        "effective_from": "2021-03-01",
        "effective_to": None,
    }
    by_name = {p["name"]: p["value"] for p in data["parameters"]}
    assert by_name["class_hours_per_day"] == 6
    assert by_name["work_for_training_last_day"] == "2021-12-31"
    assert data["district"] is None and data["district_settings"] == []


def test_before_the_notice_nothing_is_in_force(api_client):
    api_client.force_authenticate(UserFactory())

    assert api_client.get("/api/v1/parameters?date=2021-02-28").json()["parameters"] == []


def test_with_a_district_its_settings_in_force_that_day(api_client, officer_yuzhong):
    district_setting_set(
        actor=officer_yuzhong,
        district=district("500103"),
        key="wft_monthly_amount",
        value=Decimal("600"),
        effective_from=date(2021, 6, 1),
    )
    api_client.force_authenticate(officer_yuzhong)

    before = api_client.get("/api/v1/parameters?date=2021-05-31&district=500103").json()
    after = api_client.get("/api/v1/parameters?date=2021-06-01&district=500103").json()

    assert before["district"]["code"] == "500103"
    amount = {row["key"]: row for row in before["district_settings"]}["wft_monthly_amount"]
    assert (amount["value"], amount["source"], amount["effective_from"]) == ("500", "default", None)
    amount = {row["key"]: row for row in after["district_settings"]}["wft_monthly_amount"]
    assert (amount["value"], amount["source"], amount["effective_from"]) == ("600", "district", "2021-06-01")


def test_a_bad_date_is_refused_in_chinese(api_client):
    api_client.force_authenticate(UserFactory())

    response = api_client.get("/api/v1/parameters?date=2021-13-01")

    assert response.status_code == 400
    assert response.json() == {"detail": "日期格式应为 YYYY-MM-DD", "field": "date"}


def test_another_districts_settings_are_not_found_for_an_officer(api_client, officer_yuzhong):
    api_client.force_authenticate(officer_yuzhong)

    assert api_client.get("/api/v1/parameters?district=500101").status_code == 404


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/parameters").status_code in (401, 403)
