import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.catalog.permissions import rate_row_policy
from apps.core.errors import ApplicationError
from apps.core.selectors import state_changes_for
from apps.core.services import state_change_record
from tests.factories import RateRowFactory, UserFactory, district

pytestmark = pytest.mark.django_db


def test_application_error_as_api_response():
    from rest_framework.test import APIRequestFactory

    from apps.core.apis import exception_handler

    error = ApplicationError("日补贴标准 170.00 元低于下限 180.00 元", rule="R1.2", field="rate")
    response = exception_handler(error, {"request": APIRequestFactory().get("/")})
    assert response.status_code == 400
    assert response.data == {
        "detail": "日补贴标准 170.00 元低于下限 180.00 元",
        "rule": "R1.2",
        "field": "rate",
    }


def test_application_error_on_a_form_field_and_on_the_form():
    class Form(forms.Form):
        rate = forms.DecimalField()

    form = Form({"rate": "1"})
    assert form.is_valid()
    ApplicationError("太低", rule="R1.2", field="rate").add_to_form(form)
    ApplicationError("整体错误", field="unknown").add_to_form(form)
    assert form.errors["rate"] == ["太低 (R1.2)"]
    assert form.non_field_errors() == ["整体错误"]


def test_state_change_log_records_who_when_from_to_why():
    actor = UserFactory(officer=True)
    row = RateRowFactory()
    state_change_record(obj=row, actor=actor, from_state="in_force", to_state="superseded", reason="新标准")
    [change] = state_changes_for(obj=row)
    assert (change.actor, change.from_state, change.to_state, change.reason) == (
        actor,
        "in_force",
        "superseded",
        "新标准",
    )
    assert change.created_at is not None


def test_policy_hides_out_of_scope_objects_as_404_and_refuses_actions_as_403():
    row = RateRowFactory(district=district("500101"))
    officer = UserFactory(officer=True)  # 渝中区
    with pytest.raises(Http404):
        rate_row_policy.get_visible(officer, pk=row.pk)
    auditor = UserFactory(auditor=True)
    assert rate_row_policy.get_visible(auditor, pk=row.pk) == row
    with pytest.raises(PermissionDenied):
        rate_row_policy.get_for_action(auditor, "change", pk=row.pk)
    wanzhou = UserFactory(officer=True, district=district("500101"))
    assert rate_row_policy.get_for_action(wanzhou, "change", pk=row.pk) == row
    assert not rate_row_policy.can(wanzhou, "delete", row)


def test_rule_id_is_said_once():
    assert str(ApplicationError("低于下限 (R1.2)", rule="R1.2")) == "低于下限 (R1.2)"
    assert str(ApplicationError("低于下限", rule="R1.2")) == "低于下限 (R1.2)"


def test_only_the_longest_matching_nav_entry_is_active():
    from apps.core.home import nav_for

    user = UserFactory(officer=True)
    active = [i["label"] for i in nav_for(user, "/institutions/employers/") if i["active"]]
    assert active == ["用人单位"]
    assert [i["label"] for i in nav_for(user, "/") if i["active"]] == ["首页"]


def test_a_signed_in_page_is_never_stored(client):
    """Issue 17, item 4: logged-in pages carried no Cache-Control."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(officer=True))
    for path in ("/", "/claims/", "/api/v1/me"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], path


def test_a_nul_character_in_a_parameter_is_a_400_not_a_query(client, api_client):
    """Schemathesis on PostgreSQL: ?district=<…\\x00…> reached a query and answered 500."""
    client.force_login(UserFactory(officer=True))
    api_client.force_authenticate(UserFactory(officer=True))

    api = api_client.get("/api/v1/rate-rows/", {"district": "50\x0003"})
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert client.get("/claims/", {"q": "a\x00b"}).status_code == 400
