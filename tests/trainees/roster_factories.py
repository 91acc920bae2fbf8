"""Factories for the roster tests: valid resident ID numbers, persons, approved classes and
enrolments. (tests/factories.py holds the shared ones; these are the trainees' own.)"""

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.classes.models import ClassStatus, SchedulePattern, TrainingClass, TrainingType
from apps.rules.identity import id_check_character
from apps.trainees.models import Enrolment, Gender, Person
from tests.factories import NumberedEmployerFactory, NumberedInstitutionFactory, OccupationFactory


def id_number(
    birth: date = date(1990, 1, 1), *, region: str = "500103", serial: int = 1, female: bool = False
) -> str:
    """A valid 18-digit resident ID number (R11.1) for this birth date, region and serial (0–499);
    digit 17 is odd for a man and even for a woman."""
    sequence = serial * 2 + (0 if female else 1)
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_character(body)


def with_wrong_check(number: str) -> str:
    """The same number with a check character that does not match."""
    wrong = "0" if number[17] != "0" else "1"
    return number[:17] + wrong


def nth_id_number(n: int, *, region: str = "500103") -> str:
    """The n-th of many distinct valid numbers, all of adults born from 1970 on."""
    return id_number(date(1970, 1, 1) + timedelta(days=n // 400), region=region, serial=n % 400)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("id_number",)

    id_number = factory.Sequence(lambda n: nth_id_number(n + 1))
    name = factory.Sequence(lambda n: f"学员{n}")
    gender = factory.LazyAttribute(lambda o: Gender.MALE if int(o.id_number[16]) % 2 else Gender.FEMALE)
    birth_date = factory.LazyAttribute(
        lambda o: date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class TrainingClassFactory(DjangoModelFactory):
    """An approved 车工 level-4 weekend class in 渝中区, 2026-12-05 … 2026-12-20, with the
    approval snapshot (R9.2) in place."""

    class Meta:
        model = TrainingClass

    institution = factory.SubFactory(NumberedInstitutionFactory)
    district = factory.LazyAttribute(lambda o: o.institution.district)
    name = factory.Sequence(lambda n: f"车工中级周末班{n}")
    occupation = factory.SubFactory(OccupationFactory)
    level = 4
    training_type = TrainingType.POST_SKILL
    schedule_pattern = SchedulePattern.WEEKEND
    start_date = date(2026, 12, 5)
    end_date = date(2026, 12, 20)
    venue = "渝中区解放碑实训基地"
    teachers = "李师傅"
    planned_trainees = 50
    status = ClassStatus.APPROVED
    approved_on = date(2026, 11, 20)
    standard = Decimal("1500.00")
    rate = Decimal("150.00")
    class_hours = 60
    online_rate = Decimal("60.00")
    policy_version = "渝人社发〔2021〕12号"

    class Params:
        running = factory.Trait(status=ClassStatus.RUNNING)
        completed = factory.Trait(status=ClassStatus.COMPLETED)
        submitted = factory.Trait(
            status=ClassStatus.SUBMITTED,
            approved_on=None,
            standard=None,
            rate=None,
            class_hours=None,
            online_rate=None,
        )
        enterprise = factory.Trait(
            training_type=TrainingType.ENTERPRISE_STAFF,
            institution=factory.SubFactory(
                NumberedInstitutionFactory,
                enterprise_centre=True,
                employer=factory.SubFactory(NumberedEmployerFactory, yuzhong=True),
            ),
        )


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    training_class = factory.SubFactory(TrainingClassFactory)
    person = factory.SubFactory(PersonFactory)
