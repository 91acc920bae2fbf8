import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def test_token_is_issued_and_authenticates_later_calls(api_client):
    user = UserFactory(officer=True)
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json() == {
        "username": user.username,
        "full_name": user.full_name,
        "role": "district_officer",
        "district": "500103",
    }


def test_same_token_is_returned_on_a_second_login(api_client):
    user = UserFactory()
    first = api_client.post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    ).json()
    second = api_client.post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    ).json()
    assert first == second


def test_wrong_password_is_a_chinese_error(api_client):
    user = UserFactory()
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.json()["detail"]


def test_missing_fields_name_the_field(api_client):
    response = api_client.post(TOKEN_URL, {"username": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "字段 password：该字段是必填项。", "field": "password"}


def test_token_endpoint_shares_the_lockout(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory()
    api_client.post(TOKEN_URL, {"username": user.username, "password": "x"}, format="json")
    api_client.post(TOKEN_URL, {"username": user.username, "password": "x"}, format="json")
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 429


def test_api_without_credentials_is_refused(api_client):
    assert api_client.get("/api/v1/me").status_code in {401, 403}


def test_bad_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api_client.get("/api/v1/me").status_code == 401
