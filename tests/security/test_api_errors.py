"""Every error of the API is JSON with a Chinese message (issue 17): bodies it cannot read (not
JSON, nested too deep, over the size limit), DRF's own refusals, a crash, and the database down,
then back."""

import json

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_json_error(response, status: int) -> str:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    detail = json.loads(response.content)["detail"]
    assert chinese(detail), detail
    return detail


@pytest.fixture
def officer_api(api_client):
    api_client.force_authenticate(UserFactory(officer=True))
    return api_client


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_deep_is_a_chinese_400(officer_api, depth):
    response = officer_api.post("/api/v1/audits/runs", b"[" * depth, content_type="application/json")
    assert "JSON" in assert_json_error(response, 400)


def test_a_json_body_over_the_size_limit_is_a_chinese_json_400(officer_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"scope": "district", "district": "5" * 5_000})
    response = officer_api.post("/api/v1/audits/runs", body, content_type="application/json")
    assert "请求体过大" in assert_json_error(response, 400)


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"method": "post", "data": "<a/>", "content_type": "application/xml"}, 415),
        ({"method": "get", "HTTP_ACCEPT": "text/csv"}, 406),
        ({"method": "delete"}, 405),
    ],
)
def test_drfs_own_refusals_are_chinese(officer_api, request_kwargs, status):
    kwargs = dict(request_kwargs)
    method = kwargs.pop("method")
    response = getattr(officer_api, method)("/api/v1/audits/runs", **kwargs)
    detail = assert_json_error(response, status)
    for english in ("Unsupported media type", "Could not satisfy", "not allowed"):
        assert english not in detail


@pytest.mark.parametrize("authorization", [None, "Token not-a-token", "Token"])
def test_no_or_a_wrong_token_is_a_chinese_401(api_client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    assert_json_error(api_client.get("/api/v1/audits/runs", **headers), 401)


class Database:
    """Every query fails as it does when PostgreSQL is stopped (`down()`), until `up()`."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def down(self):
        def refuse(*args, **kwargs):
            raise OperationalError(
                'connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused'
            )

        self.monkeypatch.setattr(CursorWrapper, "execute", refuse)
        self.monkeypatch.setattr(CursorWrapper, "executemany", refuse)

    def up(self):
        self.monkeypatch.undo()


@pytest.fixture
def database(monkeypatch):
    yield Database(monkeypatch)
    monkeypatch.undo()


def test_the_database_down_is_a_json_500_for_every_caller_and_back_once_it_returns(database):
    """A token or a session needs the database before any view runs (the token, the session, the
    user): each caller gets the API's JSON 500, naming nothing of the failure. A caller without
    credentials is refused (401) without a query."""
    officer = UserFactory(officer=True)
    token = Token.objects.create(user=officer).key
    by_token = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")
    by_session = Client(raise_request_exception=False)
    by_session.force_login(officer)
    anonymous = Client(raise_request_exception=False)
    callers = {"token": by_token, "session": by_session}

    database.down()
    for name, client in callers.items():
        response = client.get("/api/v1/audits/runs")
        detail = assert_json_error(response, 500)
        assert detail == "服务器内部错误，请稍后重试；如持续出现，请联系管理员", name
        assert "5432" not in response.content.decode()
    assert_json_error(anonymous.get("/api/v1/audits/runs"), 401)

    database.up()
    assert by_token.get("/api/v1/audits/runs").status_code == 200
    assert by_session.get("/api/v1/audits/runs").status_code == 200
    assert anonymous.get("/api/v1/audits/runs").status_code == 401


def test_a_page_with_the_database_down_is_the_portals_500_page(database):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(officer=True))
    database.down()
    response = client.get("/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert chinese(response.content.decode())
