"""Small factories for the attendance and results tests: persons with valid ID numbers (R11.1)
enrolled directly on a class. Enrolment services belong to the roster; these tests only need rows."""

import csv
import io
from datetime import date, datetime, timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.rules.identity import id_check_character
from apps.trainees.models import CertificateType, Enrolment, EnrolmentStatus, Gender, Person

# A pass with its certificate (R2.6), for result_record(**PASSED).
PASSED = {
    "outcome": "passed",
    "certificate_type": CertificateType.SKILL_LEVEL,
    "certificate_number": "S000050000000261000123",
    "certificate_date": date(2026, 12, 28),
}


def id_number(n: int, *, region: str = "500103") -> str:
    """A valid 18-digit ID number, distinct for each `n` below 3,650,000."""
    birth = date(1970, 1, 1) + timedelta(days=n // 1000)
    body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return body + id_check_character(body)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: id_number(n + 1))
    name = factory.Sequence(lambda n: f"学员{n + 1}")
    gender = factory.LazyAttribute(lambda p: Gender.MALE if int(p.id_number[16]) % 2 else Gender.FEMALE)
    birth_date = factory.LazyAttribute(
        lambda p: date(int(p.id_number[6:10]), int(p.id_number[10:12]), int(p.id_number[12:14]))
    )


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    person = factory.SubFactory(PersonFactory)
    status = EnrolmentStatus.ENROLLED

    class Params:
        withdrawn = factory.Trait(status=EnrolmentStatus.WITHDRAWN)


def enrol(training_class, count: int, **kwargs) -> list[Enrolment]:
    return [EnrolmentFactory(training_class=training_class, **kwargs) for _ in range(count)]


def at(day: date, hh_mm: str) -> datetime:
    """An aware Chongqing time on `day`."""
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def xlsx_file(rows: list[list], name: str = "签到表.xlsx") -> SimpleUploadedFile:
    """An uploaded workbook whose first sheet holds `rows` (the first is the header)."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows: list[list], name: str = "学习记录.csv", *, bom: bool = False) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig" if bom else "utf-8"))
