"""A class as the rules engine sees it: one trainee who attends every planned session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.catalog.engine import district_settings_for
from apps.catalog.models import RateRow
from apps.catalog.selectors import rate_row_in_force
from apps.rules import Attendance, Finding, Occupation, QuoteResult, Scenario, quote
from apps.rules.effective import follows_previous_policy
from apps.rules.hours import check_planned_online, class_hours_from_minutes

from .models import ClassSession, SessionMode, TrainingClass, TrainingType

if TYPE_CHECKING:
    from apps.institutions.models import Institution


@dataclass(frozen=True)
class SessionInput:
    """One planned session of a class, as the form or the API gives it (the services save it)."""

    date: date
    start_time: time
    end_time: time
    mode: str = SessionMode.OFFLINE
    topic: str = ""


@dataclass(frozen=True)
class PlannedHours:
    total: int
    online: int

    @property
    def offline(self) -> int:
        return self.total - self.online


@dataclass(frozen=True)
class ClassQuote:
    """The quote for one trainee and for the class (× planned trainees), with the rate row used."""

    per_trainee: QuoteResult
    class_total: Decimal
    hours: PlannedHours
    rate_row: RateRow | None
    on: date
    online_finding: Finding | None


def planned_hours(sessions: list[ClassSession], *, on: date) -> PlannedHours:
    """Planned class-hours from the sessions (R2.1): each session's minutes // 45."""
    total = class_hours_from_minutes([s.minutes for s in sessions], on=on)
    online = class_hours_from_minutes([s.minutes for s in sessions if s.is_online], on=on)
    return PlannedHours(total=total, online=online)


def policy_version(approved_on: date) -> str:
    return (
        "渝人社发〔2019〕124号（原政策）" if follows_previous_policy(approved_on) else "渝人社发〔2021〕12号"
    )


def class_quote(
    *, training_class: TrainingClass, sessions: list[ClassSession], rate_row: RateRow | None, on: date
) -> ClassQuote | None:
    """Quote the class as planned on `on` with `rate_row` (the snapshot once approved).
    None when there is no rate row to quote with."""
    if training_class.approved_on is not None:
        on = training_class.approved_on
    hours = planned_hours(sessions, on=on)
    if training_class.approved_on is not None:
        standard, rate, class_hours, online_rate = (
            training_class.standard,
            training_class.rate,
            training_class.class_hours,
            training_class.online_rate,
        )
    elif rate_row is not None:
        standard, rate, class_hours, online_rate = (
            rate_row.standard,
            rate_row.rate,
            rate_row.class_hours,
            rate_row.online_rate,
        )
    else:
        return None
    occupation = training_class.occupation
    scenario = Scenario(
        kind="enterprise" if training_class.training_type == TrainingType.ENTERPRISE_STAFF else "class",
        approved_on=on,
        start=training_class.start_date,
        end=training_class.end_date,
        occupation=Occupation(
            code=occupation.code, category=occupation.major_category, new=occupation.is_new
        ),
        level=training_class.level,
        standard=standard,
        rate=rate,
        planned_hours=class_hours,
        planned_online=hours.online,
        online_rate=online_rate,
        attended=Attendance(offline=hours.offline, online=hours.online),
        passed=True,
    )
    result = quote(scenario, district_settings_for(district=training_class.district, on=on))
    assert class_hours is not None, "approval locks the class hours (R9.2)"
    return ClassQuote(
        per_trainee=result,
        class_total=result.amount * training_class.planned_trainees,
        hours=hours,
        rate_row=rate_row,
        on=on,
        online_finding=check_planned_online(hours.online, class_hours, on=on),
    )


def class_quote_current(*, training_class: TrainingClass, sessions: list[ClassSession]) -> ClassQuote | None:
    """The approval snapshot once approved; before that, the rate row in force today."""
    today = timezone.localdate()
    row = None
    if training_class.approved_on is None:
        row = rate_row_in_force(
            district=training_class.district,
            occupation=training_class.occupation,
            level=training_class.level,
            on=today,
        )
    return class_quote(training_class=training_class, sessions=sessions, rate_row=row, on=today)


def class_quote_planned(
    *, institution: Institution, values: dict[str, Any], sessions: list[SessionInput]
) -> ClassQuote | None:
    """The quote of a class application as typed, before it is saved (the class form's live quote).

    The same computation as the class page after saving: an unsaved class of `institution` with
    `values` (occupation, level, training_type, start_date, end_date, planned_trainees) and the
    planned `sessions`, quoted with the rate row in force today. Nothing is written."""
    training_class = TrainingClass(
        institution=institution,
        district=institution.district,
        occupation=values["occupation"],
        level=values["level"],
        training_type=values["training_type"],
        start_date=values["start_date"],
        end_date=values["end_date"],
        planned_trainees=values["planned_trainees"],
    )
    planned = [ClassSession(training_class=training_class, **s.__dict__) for s in sessions]
    return class_quote_current(training_class=training_class, sessions=planned)
