# No Django import at module level: tests/rules also runs with `-p no:django`.
import pytest


@pytest.fixture
def officer_yuzhong(db):
    from tests.factories import UserFactory

    return UserFactory(officer=True, username="officer.yuzhong")


@pytest.fixture
def officer_wanzhou(db):
    from tests.factories import UserFactory, district

    return UserFactory(officer=True, username="officer.wanzhou", district=district("500101"))


@pytest.fixture
def municipal_admin(db):
    from tests.factories import UserFactory

    return UserFactory(municipal_admin=True, username="admin")


@pytest.fixture
def auditor(db):
    from tests.factories import UserFactory

    return UserFactory(auditor=True, username="auditor")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def pytest_collection_modifyitems(config, items):
    """Only the browser journeys (tests/e2e) may use pytest-playwright's fixtures. A test elsewhere
    with an argument named like one of them (`page`, say) gets the browser parametrization, and
    pytest then groups it with the journeys: the transactional journeys ran in the middle of the
    database tests, and every test after them found the migrated districts flushed."""
    strays = [
        item.nodeid
        for item in items
        if "browser_name" in getattr(getattr(item, "callspec", None), "params", {})
        and "/e2e/" not in f"/{item.nodeid}"
    ]
    if strays:
        raise pytest.UsageError(
            "tests outside tests/e2e use pytest-playwright's fixtures (rename the argument): "
            + ", ".join(strays[:5])
        )
