from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.models import IdempotencyRecord
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


def _obtain(api_client, user):
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def _me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me")


def test_a_second_login_issues_a_new_token_and_ends_the_first(api_client):
    user = UserFactory()
    first = _obtain(api_client, user)["token"]
    second = _obtain(api_client, user)["token"]
    assert first != second
    assert _me(first).status_code == 401
    assert _me(second).status_code == 200
    assert Token.objects.filter(user=user).count() == 1


def test_the_token_says_when_it_expires(api_client, settings):
    settings.API_TOKEN_LIFETIME = timedelta(hours=8)
    user = UserFactory()
    before = timezone.now()
    body = _obtain(api_client, user)
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() == timedelta(hours=8)  # Asia/Shanghai, as every time of the API
    assert before + timedelta(hours=8) <= expires <= timezone.now() + timedelta(hours=8)


def test_an_expired_token_is_a_chinese_401_and_is_deleted(api_client, settings):
    settings.API_TOKEN_LIFETIME = timedelta(hours=8)
    user = UserFactory()
    token = _obtain(api_client, user)["token"]
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=7, minutes=59))
    assert _me(token).status_code == 200  # one minute left
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=8))
    response = _me(token)
    assert response.status_code == 401
    assert response.json() == {"detail": "令牌已过期，请重新取得令牌（POST /api/v1/auth/token）"}
    assert response["WWW-Authenticate"] == "Token"
    assert not Token.objects.filter(key=token).exists()


def test_the_lifetime_is_a_setting(api_client, settings):
    user = UserFactory()
    token = _obtain(api_client, user)["token"]
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=20))
    settings.API_TOKEN_LIFETIME = timedelta(hours=24)
    assert _me(token).status_code == 200
    settings.API_TOKEN_LIFETIME = timedelta(hours=12)
    assert _me(token).status_code == 401


def test_rotation_issues_a_new_token_with_a_fresh_lifetime_and_ends_the_old(api_client, settings):
    settings.API_TOKEN_LIFETIME = timedelta(hours=8)
    user = UserFactory()
    old = _obtain(api_client, user)["token"]
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=7))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    response = api_client.post("/api/v1/auth/token/rotate")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert datetime.fromisoformat(response.json()["expires_at"]) > timezone.now() + timedelta(
        hours=7, minutes=59
    )
    assert _me(old).status_code == 401
    assert _me(new).status_code == 200


def test_an_expired_token_cannot_be_rotated(api_client, settings):
    user = UserFactory()
    old = _obtain(api_client, user)["token"]
    Token.objects.filter(key=old).update(created=timezone.now() - settings.API_TOKEN_LIFETIME)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api_client.post("/api/v1/auth/token/rotate").status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_revoke_ends_the_token(api_client):
    user = UserFactory()
    token = _obtain(api_client, user)["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.post("/api/v1/auth/token/revoke")
    assert response.status_code == 204
    assert _me(token).status_code == 401
    assert api_client.post("/api/v1/auth/token/revoke").status_code == 401


def test_rotate_and_revoke_need_a_caller(api_client):
    assert api_client.post("/api/v1/auth/token/rotate").status_code == 401
    assert api_client.post("/api/v1/auth/token/revoke").status_code == 401


def test_an_idempotency_key_with_an_expired_token_keeps_nothing(api_client, settings):
    user = UserFactory()
    token = _obtain(api_client, user)["token"]
    Token.objects.filter(key=token).update(created=timezone.now() - settings.API_TOKEN_LIFETIME)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.post("/api/v1/auth/token/rotate", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


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
