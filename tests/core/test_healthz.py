import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["broker"]["ok"] is True
    expected = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "redis"
    assert data["broker"]["detail"] == expected


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["broker"]["ok"] is False
    assert data["database"]["ok"] is True


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in {200, 503}
