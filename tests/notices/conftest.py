"""The claims world (a completed class of 渝中区's school with three trainees, the allocation, an
enterprise in 万州区) and, beside it, the people who must not be told: another school's operator
and 万州区's officer."""

import pytest

from tests.claims.conftest import admin_user, allocation, completed_class, employer, filer, officer  # noqa: F401
from tests.classes.conftest import lathe, make_class, operator, rates, school  # noqa: F401
from tests.factories import NumberedInstitutionFactory, UserFactory, district


@pytest.fixture
def bystanders(db):
    """An operator of another 渝中区 school and 万州区's officer: told nothing of 渝中区's school."""
    other_operator = UserFactory(operator=True, username="other.school", email="other@example.cn")
    NumberedInstitutionFactory(members=[other_operator])
    wanzhou_officer = UserFactory(
        officer=True, username="officer.wanzhou", district=district("500101"), email="wz@example.cn"
    )
    return [other_operator, wanzhou_officer]


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    """The e-mail task runs in the test's process, also under `make test` where a broker is
    configured (the real worker is tests/integration's), so that mail.outbox sees what it sent."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
