"""The world of the attendance tests: tests/classes' school, operator, rate rows and weekend class
(six offline days 09:00–15:45 of 405 minutes, two online evenings 19:00–21:15 of 135 minutes),
approved by the district officer and started, with trainees enrolled directly."""

from datetime import date

import pytest

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from tests.classes.conftest import lathe, make_class, operator, rates, school  # noqa: F401 - fixtures

# The class pages' permission matrix: someone in every role (`people`), and who reads a class
# (SEES), and so its attendance and results; of them only the class's operator writes.
from tests.classes.test_class_pages import ROLES, SEES, people  # noqa: F401
from tests.trainees.attendance_factories import enrol

# Who may reveal a trainee's full ID number (on the person's page, logged): the class's operators,
# the officers of its district and the municipal admin. Everyone sees them masked in lists.
REVEALS = {"admin", "officer", "operator"}


# The weekend class ends on 2026-12-20 and its certificates are dated up to 2026-12-28: the tests
# run on a day after all of it, whatever the wall clock says; tests of a day before pin their own.
AFTER_THE_CLASS = date(2026, 12, 31)


@pytest.fixture(autouse=True)
def after_the_class(monkeypatch):
    from apps.core import dates

    monkeypatch.setattr(dates, "today", lambda: AFTER_THE_CLASS)
    return AFTER_THE_CLASS


@pytest.fixture
def approve(operator, officer_yuzhong):  # noqa: F811
    def approve(training_class):
        training_class = class_transition(
            training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED
        )
        return class_transition(training_class=training_class, actor=officer_yuzhong, to=ClassStatus.APPROVED)

    return approve


@pytest.fixture
def approved_class(make_class, approve):  # noqa: F811
    return approve(make_class())


@pytest.fixture
def running_class(approved_class, operator):  # noqa: F811
    return class_transition(training_class=approved_class, actor=operator, to=ClassStatus.RUNNING)


@pytest.fixture
def trainees(running_class):
    return enrol(running_class, 3)


@pytest.fixture
def sessions(running_class):
    """The class's sessions in date order: [0] 12-05 offline … [2] 12-09 live … [7] 12-20."""
    return list(running_class.sessions.order_by("date", "start_time"))
