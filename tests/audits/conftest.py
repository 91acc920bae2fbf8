"""The world of the audit tests, built straight into the tables the audit reads (the claim services
are tested in tests/claims): persons, claims of every kind with their lines, classes with
sessions, enrolments and attendance; and `audit()`, which runs a whole audit through its tasks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.audits import services
from apps.audits.models import AuditRun
from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine
from apps.classes.models import ClassSession, TrainingClass
from apps.institutions.models import Employer, Institution
from apps.rules import RULES_VERSION
from apps.trainees.models import Attendance, Enrolment, Person
from tests.claims.conftest import id_number
from tests.factories import (
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    OccupationFactory,
    UserFactory,
    district,
)

LATHE = "6-18-01-01"
COOK = "4-03-02-01"
ENGINE_KIND = {
    "class_completion": "class",
    "enterprise_direct": "enterprise",
    "work_for_training": "work_for_training",
    "apprenticeship": "apprenticeship",
}


def at(day: date, clock: str) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.fromisoformat(clock)))


@dataclass
class World:
    """Builders for the tables the audit reads. `claim_status` is what new claims get."""

    yuzhong: District
    wanzhou: District
    school: Institution
    employer: Employer
    claim_status: str = "submitted"
    persons: list[Person] = field(default_factory=list)

    def person(self, name: str = "") -> Person:
        serial = f"{len(self.persons) + 1:03d}"
        p = Person.objects.create(
            id_number=id_number("500103", "19900101", serial),
            name=name or f"学员{serial}",
            gender="M",
            birth_date=date(1990, 1, 1),
        )
        self.persons.append(p)
        return p

    def claim(
        self, kind: str = "class_completion", *, district: District | None = None, **values: Any
    ) -> Claim:
        values.setdefault("status", self.claim_status)
        if kind in ("class_completion", "living_allowance"):
            values.setdefault("institution", self.school)
        else:
            values.setdefault("employer", self.employer)
        return Claim.objects.create(kind=kind, district=district or self.yuzhong, year=2021, **values)

    def line(
        self,
        claim: Claim,
        person: Person,
        start: date | None,
        end: date | None,
        *,
        occupation: str | None = None,
        level: int | None = None,
        attended: tuple[int, int] | None = None,
        **values: Any,
    ) -> ClaimLine:
        inputs: dict[str, Any] = {"kind": ENGINE_KIND.get(claim.kind, claim.kind)}
        if start:
            inputs.update(start=start.isoformat(), end=end.isoformat())
        if occupation:
            inputs.update(
                occupation={"code": occupation, "category": int(occupation[0]), "new": False}, level=level
            )
        if attended:
            inputs["attended"] = {"offline": attended[0], "online": attended[1]}
        values.setdefault("amount", Decimal("1000.00"))
        return ClaimLine.objects.create(
            claim=claim,
            person=person,
            inputs=inputs,
            rules_version=RULES_VERSION,
            start=start,
            end=end,
            **values,
        )

    def training(
        self, person: Person, start: date, end: date, kind: str = "enterprise_direct", **values: Any
    ) -> ClaimLine:
        """One training of `person` in a claim of its own."""
        claim_values = {k: values.pop(k) for k in ("district", "status") if k in values}
        return self.line(self.claim(kind, **claim_values), person, start, end, **values)

    def training_class(
        self, start: date, end: date, sessions: list[tuple[date, str, str, str]], **values: Any
    ) -> TrainingClass:
        values.setdefault("institution", self.school)
        training_class = TrainingClass.objects.create(
            district=values.pop("district", self.yuzhong),
            name=values.pop("name", "车工中级班"),
            occupation=OccupationFactory(),
            level=values.pop("level", 4),
            training_type="post_skill",
            schedule_pattern="weekend",
            start_date=start,
            end_date=end,
            venue="渝中区实训基地",
            teachers="李师傅",
            planned_trainees=30,
            status="completed",
            **values,
        )
        ClassSession.objects.bulk_create(
            ClassSession(
                training_class=training_class,
                date=day,
                start_time=time.fromisoformat(begin),
                end_time=time.fromisoformat(finish),
                mode=mode,
            )
            for day, begin, finish, mode in sessions
        )
        return training_class

    def completion(self, training_class: TrainingClass, **values: Any) -> Claim:
        return self.claim(
            "class_completion",
            district=values.pop("district", training_class.district),
            institution=training_class.institution,
            training_class=training_class,
            **values,
        )

    def enrol(
        self, claim: Claim, person: Person, *, attended: tuple[int, int] = (6, 0), level: int | None = None
    ) -> ClaimLine:
        """The person on the class's roster and a line of its completion claim."""
        training_class = claim.training_class
        enrolment = Enrolment.objects.create(training_class=training_class, person=person)
        return self.line(
            claim,
            person,
            training_class.start_date,
            training_class.end_date,
            occupation=training_class.occupation.code,
            level=training_class.level if level is None else level,
            attended=attended,
            enrolment=enrolment,
        )

    def sign_in(
        self,
        enrolment: Enrolment,
        session: ClassSession,
        signed_in: datetime,
        signed_out: datetime | None = None,
        *,
        source: str = "sign_in_sheet",
    ) -> Attendance:
        return Attendance.objects.create(
            session=session,
            enrolment=enrolment,
            minutes=session.minutes,
            mode=session.mode,
            source=source,
            signed_in_at=signed_in,
            signed_out_at=signed_out,
        )


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    """Tasks run in the test's process, also under `make test` where a broker is configured (the
    real worker is tests/integration's)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


@pytest.fixture
def world(db) -> World:
    OccupationFactory(cook=True)
    return World(
        yuzhong=district("500103"),
        wanzhou=district("500101"),
        school=NumberedInstitutionFactory(),
        employer=NumberedEmployerFactory(),
    )


@pytest.fixture
def admin(db):
    return UserFactory(municipal_admin=True, username="audit-admin")


@pytest.fixture
def officer(db):
    return UserFactory(officer=True, username="audit-officer")


@pytest.fixture
def audit(admin, django_capture_on_commit_callbacks) -> Callable[..., AuditRun]:
    """Run a whole audit as the tasks would (eagerly): start, plan, every chunk, finish."""

    def run(scope: str = "all", actor=None, **target: Any) -> AuditRun:
        with django_capture_on_commit_callbacks(execute=True):
            started = services.audit_run_start(actor=actor or admin, scope=scope, **target)
        return AuditRun.objects.get(pk=started.pk)

    return run


def found(run: AuditRun, rule: str | None = None) -> set[tuple[str, int | None, int | None]]:
    """The run's findings (cleared ones aside) as (rule, line, other line)."""
    findings = run.findings.exclude(change="cleared")
    if rule:
        findings = findings.filter(rule=rule)
    return set(findings.values_list("rule", "line_id", "other_line_id"))
