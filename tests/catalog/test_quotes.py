"""POST /api/v1/quotes and the /rules/ page: the quote contract of docs/rules.md over HTTP."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.catalog.services import district_setting_set
from tests.factories import PASSWORD, UserFactory, district

pytestmark = pytest.mark.django_db

W1 = {
    "kind": "class",
    "approved_on": "2021-04-01",
    "start": "2021-04-06",
    "end": "2021-04-30",
    "occupation": {"code": "6-18-01-01", "category": 6, "new": False},
    "level": 3,
    "standard": "2500.00",
    "rate": "180.00",
    "planned_online": 23,
    "online_rate": "60.00",
    "attended": {"offline": 60, "online": 23},
    "passed": True,
}


def _post(api_client, body, query=""):
    return api_client.post(f"/api/v1/quotes{query}", data=json.dumps(body), content_type="application/json")


def test_w1_over_the_api_with_a_token(api_client):
    user = UserFactory(operator=True)
    token = api_client.post(
        "/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = _post(api_client, W1)
    assert response.status_code == 200
    data = response.json()
    assert data["amount"] == "2030.00"
    assert {s["rule"] for s in data["steps"]} >= {"R2.5"}
    assert data["rules_version"]
    assert [s["amount"] for s in data["steps"] if s["amount"] and s["rule"] == "R2.5"][:2] == [
        "1800.00",
        "230.00",
    ]


def test_findings_do_not_fail_the_request(api_client):
    api_client.force_authenticate(UserFactory())
    data = _post(api_client, {**W1, "level": 4, "rate": "140.00", "standard": "1500.00"}).json()  # W2
    assert data["amount"] == "0.00"
    assert any(f["rule"] == "R1.2" and f["severity"] == "E" for f in data["findings"])


def test_unknown_field_is_named(api_client):
    api_client.force_authenticate(UserFactory())
    response = _post(api_client, {**W1, "bonus": 1})
    assert response.status_code == 400
    assert response.json()["field"] == "bonus"
    assert "未知字段 bonus" in response.json()["detail"]


def test_malformed_json_is_a_400(api_client):
    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/quotes", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "$"


def test_login_is_required(api_client):
    assert _post(api_client, W1).status_code == 401


def test_district_settings_apply_and_are_scoped(api_client, officer_yuzhong):
    district_setting_set(
        actor=officer_yuzhong,
        district=district("500103"),
        key="wft_monthly_amount",
        value=Decimal("600"),
        effective_from=date(2021, 1, 1),
    )
    body = {"kind": "work_for_training", "start": "2021-10-01", "end": "2021-10-31", "months": ["2021-10"]}
    api_client.force_authenticate(officer_yuzhong)
    assert _post(api_client, body).json()["amount"] == "500.00"  # city-wide default
    assert _post(api_client, body, "?district=500103").json()["amount"] == "600.00"
    assert _post(api_client, body, "?district=500101").status_code == 404


def test_rules_page_lists_every_rule_with_the_notice_text(client):
    client.force_login(UserFactory())
    response = client.get(reverse("rules"))
    assert response.status_code == 200
    body = response.content.decode()
    for rule_id in [
        "R1.1",
        "R1.2",
        "R2.3",
        "R2.5",
        "R3.1",
        "R4.3",
        "R5.3",
        "R6.2",
        "R7.1",
        "R8.3",
        "R9.1",
        "R10.1",
        "R11.3",
    ]:
        assert f'id="{rule_id}"' in body, rule_id
    assert "线上培训学时原则上不超过培训总学时的30%" in body
    assert "2021-03-01" in body  # parameters in force with their effective dates


def test_rules_page_needs_login(client):
    assert client.get(reverse("rules")).status_code == 302


def test_quote_form_shows_the_amount_and_its_steps(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("rules"),
        {
            "kind": "class",
            "approved_on": "2021-04-01",
            "start": "2021-04-06",
            "end": "2021-04-30",
            "occupation_code": "4-03-02-01",
            "level": "5",
            "standard": "1000",
            "rate": "130",
            "online_rate": "60",
            "attended_offline": "46",
            "attended_online": "0",
            "passed": "on",
            "materials": ["plan", "sign_in", "video"],
        },
    )
    assert response.status_code == 200
    assert response.context["result"].amount == Decimal("996.67")  # W3
    assert "996.67" in response.content.decode()


def test_quote_form_reports_the_field_in_chinese(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("rules"),
        {
            "kind": "class",
            "approved_on": "2021-04-01",
            "start": "2021-04-30",
            "end": "2021-04-06",
            "occupation_code": "4-03-02-01",
            "level": "5",
            "standard": "1000",
            "rate": "130",
        },
    )
    assert response.status_code == 400
    assert any("早于开始日期" in e for e in response.context["form"].errors["end"])


def test_rules_page_offers_the_engines_rules_document(client):
    from pathlib import Path

    client.force_login(UserFactory())
    page = client.get(reverse("rules")).content.decode()
    assert f'href="{reverse("rules_markdown")}"' in page

    response = client.get(reverse("rules_markdown"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    committed = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert response.content.decode("utf-8") == committed.read_text(encoding="utf-8")


def test_rules_document_needs_login(client):
    assert client.get(reverse("rules_markdown")).status_code == 302
