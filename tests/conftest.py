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
