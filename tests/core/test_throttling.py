"""API throttles (issue 16, item 7): per token or user, scoped by what the request does; 429 in
Chinese with Retry-After."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.throttling import scope_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUOTE = {"kind": "work_for_training", "months": ["2021-10"], "monthly_amount": "500.00"}


def _rates(**rates):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                "login": "100/min",
                "quote": "100/min",
                "write": "100/min",
                "read": "100/min",
                **rates,
            },
        }
    )


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_reads_beyond_the_rate_get_a_chinese_429_with_retry_after():
    client = _token_client(UserFactory())
    with _rates(read="3/min"):
        statuses = [client.get("/api/v1/districts/").status_code for _ in range(4)]
        refused = client.get("/api/v1/districts/")

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json() == {"detail": f"请求过于频繁，请在 {refused['Retry-After']} 秒后重试"}


def test_each_token_has_its_own_count():
    first, second = _token_client(UserFactory()), _token_client(UserFactory())
    with _rates(read="2/min"):
        assert [first.get("/api/v1/districts/").status_code for _ in range(3)] == [200, 200, 429]
        assert second.get("/api/v1/districts/").status_code == 200


def test_quotes_and_writes_are_counted_apart_from_reads():
    client = _token_client(UserFactory())
    with _rates(read="1/min", quote="5/min"):
        assert client.get("/api/v1/districts/").status_code == 200
        assert client.get("/api/v1/districts/").status_code == 429
        quotes = [client.post("/api/v1/quotes", QUOTE, format="json").status_code for _ in range(5)]
        assert quotes == [200] * 5
        assert client.post("/api/v1/quotes", QUOTE, format="json").status_code == 429


def test_token_requests_are_counted_per_address():
    client = APIClient()
    with _rates(login="2/min"):
        answers = [
            client.post(
                "/api/v1/auth/token", {"username": "nobody", "password": "x"}, format="json"
            ).status_code
            for _ in range(3)
        ]
    assert answers[-1] == 429
    assert 429 not in answers[:2]


def test_a_signed_in_browser_is_counted_per_user(client):
    client.force_login(UserFactory())
    with _rates(read="1/min"):
        assert client.get("/api/v1/districts/").status_code == 200
        assert client.get("/api/v1/districts/").status_code == 429


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/api/v1/auth/token", "login"),
        ("POST", "/api/v1/quotes", "quote"),
        ("GET", "/api/v1/claims/", "read"),
        ("HEAD", "/api/v1/claims/", "read"),
        ("POST", "/api/v1/claims/", "write"),
        ("PATCH", "/api/v1/classes/1/", "write"),
        ("DELETE", "/api/v1/claims/1/", "write"),
    ],
)
def test_scope_of(rf, method, path, scope):
    from rest_framework.request import Request

    assert scope_of(Request(rf.generic(method, path))) == scope
