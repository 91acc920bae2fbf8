import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(municipal_admin=True))
    return client


def test_healthz_reports_database_and_broker_to_the_municipal_admin(admin, settings):
    response = admin.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["broker"]["ok"] is True
    expected = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "redis"
    assert data["broker"]["detail"] == expected


def test_healthz_is_503_when_the_broker_is_down(admin, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = admin.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["broker"]["ok"] is False
    assert data["database"]["ok"] is True


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in {200, 503}


def test_an_anonymous_caller_learns_up_or_down_only(client, settings):
    """Issue 17: anonymous /healthz named the database, the broker and their exception classes."""
    assert client.get("/healthz").json() == {"status": "ok"}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    down = client.get("/healthz")
    assert (down.status_code, down.json()) == (503, {"status": "error"})


def test_other_roles_learn_up_or_down_only(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(officer=True))
    assert client.get("/healthz").json() == {"status": "ok"}
