"""A completed class with three trainees (one passed with full attendance, one passed with
45 offline class-hours, one failed), 渝中区's allocation for 2026, and an enterprise in 万州区."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.ledger.services import allocation_set
from apps.rules.identity import id_check_character
from apps.trainees.models import Attendance, Enrolment, Person, Result
from tests.classes.conftest import lathe, make_class, operator, rates, school  # noqa: F401 - fixtures
from tests.factories import EmployerFactory, UserFactory, district


def id_number(region: str, birth: str, serial: str) -> str:
    body = region + birth + serial
    return body + id_check_character(body)


def person(name: str, serial: str, birth: str = "19900101", region: str = "500103") -> Person:
    number = id_number(region, birth, serial)
    return Person.objects.create(
        id_number=number,
        name=name,
        gender="M",
        birth_date=date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
    )


@pytest.fixture
def officer(db):
    return UserFactory(officer=True, username="officer.yuzhong")


@pytest.fixture
def admin_user(db):
    return UserFactory(municipal_admin=True, username="admin")


@pytest.fixture
def allocation(admin_user):
    return allocation_set(
        actor=admin_user,
        district=district("500103"),
        year=2026,
        amount=Decimal("100000"),
        work_for_training_share=Decimal("20000"),
        living_allowance_share=Decimal("10000"),
    )


def _attend(enrolment, sessions, count_offline, with_online=True):
    for session in sessions:
        if session.is_online and not with_online:
            continue
        if not session.is_online:
            if count_offline == 0:
                continue
            count_offline -= 1
        Attendance.objects.create(
            session=session,
            enrolment=enrolment,
            minutes=session.minutes,
            mode=session.mode,
            source="manual",
            signed_in_at=timezone.make_aware(datetime.combine(session.date, session.start_time)),
        )


@pytest.fixture
def completed_class(make_class, operator, officer):  # noqa: F811
    training_class = make_class()
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    training_class = class_transition(training_class=training_class, actor=officer, to=ClassStatus.APPROVED)
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.RUNNING)
    sessions = list(training_class.sessions.all())
    trainees = {
        "full": person("张全勤", "001"),
        "partial": person("李部分", "002"),
        "failed": person("王未过", "003"),
    }
    for key, who in trainees.items():
        enrolment = Enrolment.objects.create(training_class=training_class, person=who)
        _attend(enrolment, sessions, 6 if key != "partial" else 5, with_online=key != "partial")
        if key == "failed":
            Result.objects.create(enrolment=enrolment, outcome="failed")
        else:
            Result.objects.create(
                enrolment=enrolment,
                outcome="passed",
                certificate_type="skill_level",
                certificate_number=f"S{who.pk:06d}",
                certificate_date=date(2026, 12, 25),
            )
    training_class = class_transition(
        training_class=training_class, actor=operator, to=ClassStatus.COMPLETED, on=training_class.end_date
    )
    training_class.trainees = trainees
    return training_class


@pytest.fixture
def employer(db):
    return EmployerFactory()


@pytest.fixture
def filer(employer):
    user = UserFactory(filer=True, username="enterprise")
    employer.members.add(user)
    return user


@pytest.fixture
def reviewed(completed_class, operator, officer):  # noqa: F811
    """The completed class's claim, submitted and reviewed: every line quoted above zero approved,
    the others refused (R2.6, 考核不合格); ready for the final approval."""
    from apps.claims.models import ClaimStatus, LineDecision
    from apps.claims.services.class_claims import claim_create_for_class
    from apps.claims.services.lifecycle import claim_transition
    from apps.claims.services.review import claim_line_decide

    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    for line in claim.lines.all():
        if line.amount:
            claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
        else:
            claim_line_decide(
                line=line, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
            )
    claim.refresh_from_db()
    return claim
