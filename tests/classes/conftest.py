"""The world of the class tests: a recognised district-level private school in 渝中区 with an
operator, recognised for 车工 (6-18-01-01) at levels 5–3, and 渝中区's category-6 rate rows."""

from datetime import date, time
from decimal import Decimal

import pytest

from apps.classes.services import SessionInput, class_create
from apps.institutions.models import InstitutionOccupation
from tests.factories import InstitutionFactory, OccupationFactory, RateRowFactory, UserFactory, district

# Six Saturday/Sunday sessions of 09:00–15:45 (405 min = 9 class-hours) and two Wednesday
# evenings online of 19:00–21:15 (135 min = 3 class-hours): 60 class-hours, 6 of them online.
WEEKEND_SESSIONS = [
    *[
        SessionInput(date(2026, 12, d), time(9, 0), time(15, 45), "offline", "实操")
        for d in (5, 6, 12, 13, 19, 20)
    ],
    SessionInput(date(2026, 12, 9), time(19, 0), time(21, 15), "live", "直播理论课"),
    SessionInput(date(2026, 12, 16), time(19, 0), time(21, 15), "recorded", "录播理论课"),
]


def class_values(occupation, **overrides):
    values = {
        "name": "车工中级周末班",
        "occupation": occupation,
        "level": 4,
        "training_type": "post_skill",
        "organisation_mode": "concentrated",
        "schedule_pattern": "weekend",
        "start_date": date(2026, 12, 5),
        "end_date": date(2026, 12, 20),
        "venue": "渝中区解放碑实训基地",
        "teachers": "李师傅、王老师",
        "planned_trainees": 30,
    }
    values.update(overrides)
    return values


@pytest.fixture
def lathe(db):
    return OccupationFactory()


@pytest.fixture
def school(db, lathe):
    institution = InstitutionFactory()
    for level in (5, 4, 3):
        InstitutionOccupation.objects.create(
            institution=institution, occupation=lathe, level=level, recognised_on=date(2021, 3, 1)
        )
    return institution


@pytest.fixture
def operator(school):
    user = UserFactory(operator=True, username="school")
    school.members.add(user)
    return user


@pytest.fixture
def rates(db):
    """渝中区, category 6: level 4 S 1500 r 150 → H 60; level 3 S 2500 r 180 → H 83."""
    return {
        4: RateRowFactory(
            occupation=None,
            major_category=6,
            level=4,
            standard=Decimal("1500"),
            rate=Decimal("150"),
            class_hours=60,
        ),
        3: RateRowFactory(occupation=None, major_category=6, level=3),
        "wanzhou": RateRowFactory(
            district=district("500101"),
            occupation=None,
            major_category=6,
            level=4,
            standard=Decimal("1500"),
            rate=Decimal("150"),
            class_hours=60,
        ),
    }


@pytest.fixture
def make_class(operator, school, lathe, rates):
    def make(sessions=None, **overrides):
        return class_create(
            actor=operator,
            institution=school,
            values=class_values(lathe, **overrides),
            sessions=WEEKEND_SESSIONS if sessions is None else sessions,
        )

    return make
