"""The world of the attendance tests: tests/classes' school, operator, rate rows and weekend class
(six offline days 09:00–15:45 of 405 minutes, two online evenings 19:00–21:15 of 135 minutes),
approved by the district officer and started, with trainees enrolled directly."""

import pytest

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from tests.classes.conftest import lathe, make_class, operator, rates, school  # noqa: F401 - fixtures
from tests.factories import InstitutionFactory, UserFactory, district
from tests.trainees.attendance_factories import enrol


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


ROLES = [
    "admin",
    "officer",
    "other_officer",
    "reviewer",
    "other_reviewer",
    "operator",
    "other_operator",
    "filer",
    "auditor",
]
# Who reads the class (and so its attendance and results); only the operator writes.
SEES = {"admin", "officer", "reviewer", "operator", "auditor"}


@pytest.fixture
def sessions(running_class):
    """The class's sessions in date order: [0] 12-05 offline … [2] 12-09 live … [7] 12-20."""
    return list(running_class.sessions.order_by("date", "start_time"))


@pytest.fixture
def people(operator):  # noqa: F811
    """Someone in every role: `officer`, `reviewer` for the class's district (渝中区), the `other_`
    ones elsewhere; `other_operator` of another school."""
    other_school = InstitutionFactory(uscc="91500101MA5U12345B", name="另一所学校")
    other_operator = UserFactory(operator=True)
    other_school.members.add(other_operator)
    return {
        "admin": UserFactory(municipal_admin=True),
        "officer": UserFactory(officer=True),
        "other_officer": UserFactory(officer=True, district=district("500101")),
        "reviewer": UserFactory(reviewer=True, engaged=[district("500103")]),
        "other_reviewer": UserFactory(reviewer=True, engaged=[district("500101")]),
        "operator": operator,
        "other_operator": other_operator,
        "filer": UserFactory(filer=True),
        "auditor": UserFactory(auditor=True),
    }
