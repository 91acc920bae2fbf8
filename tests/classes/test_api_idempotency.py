"""Safe retries (issue 16, item 4): a POST with an Idempotency-Key runs once per caller and key."""

import json
from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.classes.models import TrainingClass
from apps.core.models import IdempotencyRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def body(lathe, rates):
    return {
        "name": "API 班",
        "occupation": lathe.code,
        "level": 4,
        "training_type": "post_skill",
        "schedule_pattern": "weekend",
        "start_date": "2026-12-05",
        "end_date": "2026-12-20",
        "venue": "基地",
        "teachers": "李师傅",
        "planned_trainees": 20,
        "sessions": [{"date": "2026-12-05", "start_time": "09:00", "end_time": "15:45", "mode": "offline"}],
    }


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _post(client, body, key="8d3c1c2e-0b5f-4a8e-9b1a-6d1f0e2a7c11", path="/api/v1/classes/"):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_a_retry_returns_the_first_response_and_files_nothing_twice(operator, body):
    client = _client(operator)

    first = _post(client, body)
    again = _post(client, body)

    assert first.status_code == 201
    assert (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert TrainingClass.objects.count() == 1


def test_the_same_key_with_another_body_is_a_409_in_chinese(operator, body):
    client = _client(operator)
    _post(client, body)

    other = _post(client, {**body, "planned_trainees": 21})

    assert other.status_code == 409
    assert other.json() == {
        "detail": "该 Idempotency-Key 已用于另一个内容不同的请求；新的请求请使用新的键",
        "field": "Idempotency-Key",
    }
    assert TrainingClass.objects.count() == 1


def test_without_a_key_every_post_runs(operator, body):
    client = _client(operator)

    _post(client, body, key=None)
    _post(client, body, key=None)

    assert TrainingClass.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_a_failed_request_keeps_its_key_free(operator, body):
    client = _client(operator)

    refused = _post(client, {**body, "end_date": "2026-12-01"})
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert _post(client, {**body, "end_date": "2026-12-01"}).status_code == 400  # runs again, not replayed


def test_keys_are_per_caller(operator, school, body):
    colleague = UserFactory(operator=True, username="colleague")
    school.members.add(colleague)

    _post(_client(operator), body)
    _post(_client(colleague), body)

    assert TrainingClass.objects.count() == 2


def test_a_signed_in_browser_session_has_keys_too(client, operator, body):
    client.force_login(operator)

    first = _post(client, body)
    again = _post(client, body)

    assert first.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert TrainingClass.objects.count() == 1


def test_a_key_is_kept_24_hours(operator, body):
    client = _client(operator)
    _post(client, body)
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at - timedelta(hours=25)
    )

    _post(client, body)

    assert TrainingClass.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_a_retry_while_the_first_still_runs_is_told_to_wait(operator, body):
    client = _client(operator)
    first = _post(client, body)
    IdempotencyRecord.objects.update(status_code=None)  # as if the first request had not finished

    response = _post(client, body)

    assert first.status_code == 201
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert "正在处理" in response.json()["detail"]


@pytest.mark.parametrize("key", ["", "x" * 256, "中文键", "with space"])
def test_a_malformed_key_is_refused(operator, body, key):
    response = _post(_client(operator), body, key=key)

    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert TrainingClass.objects.count() == 0


def test_an_unknown_token_is_answered_by_the_api_and_nothing_is_kept(body):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")

    assert _post(client, body).status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_a_multipart_upload_is_fingerprinted_by_its_content(operator, body):
    """File uploads (rosters, sign-in sheets) are told apart by their bytes, not their names."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory

    from apps.core.idempotency import _fingerprint

    def request(content: bytes):
        upload = SimpleUploadedFile("roster.xlsx", content)
        return RequestFactory().post("/api/v1/x", {"file": upload, "note": "a"})

    assert _fingerprint(request(b"one")) == _fingerprint(request(b"one"))
    assert _fingerprint(request(b"one")) != _fingerprint(request(b"two"))


def test_the_hourly_purge_forgets_keys_older_than_24_hours(operator, body):
    from apps.core.tasks import purge_idempotency_records

    client = _client(operator)
    _post(client, body)
    _post(client, {**body, "name": "另一班"}, key="second")
    old = IdempotencyRecord.objects.get(key="second")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(hours=25))

    assert purge_idempotency_records() == 1
    kept = list(IdempotencyRecord.objects.values_list("key", flat=True))
    assert kept == ["8d3c1c2e-0b5f-4a8e-9b1a-6d1f0e2a7c11"]
