"""The roster tests' world: the recognised 渝中区 school and its operator of tests/classes, an
approved class of that school, and the people around it in every role."""

import pytest

from tests.classes.conftest import lathe, operator, school  # noqa: F401  (fixtures)
from tests.factories import InstitutionFactory, UserFactory, district
from tests.trainees.roster_factories import TrainingClassFactory

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
# Who reads the class (and so its roster), and who may reveal a person's full ID number and phone.
SEES = {"admin", "officer", "reviewer", "operator", "auditor"}
REVEALS = {"admin", "officer", "operator"}


@pytest.fixture
def approved_class(school, lathe):  # noqa: F811
    return TrainingClassFactory(institution=school, occupation=lathe, name="车工中级周末班")


@pytest.fixture
def people(operator):  # noqa: F811
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
