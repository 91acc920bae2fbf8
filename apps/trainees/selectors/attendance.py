"""Reads for the attendance and results pages and API: the grid of trainees × sessions with
class-hours (R2.1), totals offline and online, training days as exact fractions. ID numbers are
masked for every role, as in every list; whoever may reveal a person does it on the person's page
(roster permissions, logged)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from apps.classes.models import ONLINE_MODES, ClassSession, SessionMode, TrainingClass
from apps.classes.permissions import is_class_operator
from apps.classes.selectors import class_get
from apps.core.masking import mask_id_number
from apps.rules.hours import class_hours_from_minutes
from apps.rules.parameters import params_on

from ..models import Attendance, Enrolment

if TYPE_CHECKING:
    from apps.accounts.models import User


def operator_class_get(*, class_id: int, user: User) -> TrainingClass:
    """The class for entering its attendance and results: missing or out of scope, 404; visible
    but not the class's own operator (a read-only role), 403."""
    training_class = class_get(class_id=class_id, user=user)
    if not is_class_operator(user, training_class):
        raise PermissionDenied("只有本班培训机构的经办人可以录入出勤和考核结果")
    return training_class


def days_text(class_hours: int, *, on: date) -> str:
    """Training days as an exact mixed fraction (R2.1): 20 class-hours → "3 1/3", 18 → "3", 4 → "2/3"."""
    per_day = params_on(on).class_hours_per_day
    whole, rest = divmod(class_hours, per_day)
    if not rest:
        return str(whole)
    part = Fraction(rest, per_day)
    fraction = f"{part.numerator}/{part.denominator}"
    return f"{whole} {fraction}" if whole else fraction


@dataclass(frozen=True)
class Cell:
    minutes: int
    class_hours: int
    mode: str
    flags: list
    signed_in_at: datetime | None
    signed_out_at: datetime | None

    @property
    def is_online(self) -> bool:
        return self.mode in ONLINE_MODES

    @property
    def mode_label(self) -> str:
        return str(SessionMode(self.mode).label)


@dataclass
class TraineeRow:
    enrolment: Enrolment
    id_number: str
    cells: list[Cell | None]
    offline_hours: int = 0
    online_hours: int = 0
    days: str = "0"
    flags: list[dict] = field(default_factory=list)  # each flag with its session

    @property
    def total_hours(self) -> int:
        return self.offline_hours + self.online_hours


def attendance_grid(
    *,
    training_class: TrainingClass,
    sessions: Sequence[ClassSession],
    enrolments: Iterable[Enrolment],
) -> list[TraineeRow]:
    """One row per enrolment: a cell per session (None where nothing was recorded), class-hours
    per session `minutes // 45` on the session's date, totals offline and online, and days.
    One query, whatever the number of trainees and sessions. ID numbers masked."""
    column = {session.pk: i for i, session in enumerate(sessions)}
    rows = {
        e.pk: TraineeRow(e, mask_id_number(e.person.id_number), [None] * len(sessions)) for e in enrolments
    }
    attendances = Attendance.objects.filter(
        session__training_class=training_class, enrolment_id__in=list(rows)
    ).values_list("enrolment_id", "session_id", "minutes", "mode", "flags", "signed_in_at", "signed_out_at")
    for enrolment_id, session_id, minutes, mode, flags, signed_in, signed_out in attendances:
        index = column.get(session_id)
        if index is None:
            continue
        hours = class_hours_from_minutes([minutes], on=sessions[index].date)
        cell = Cell(minutes, hours, mode, flags, signed_in, signed_out)
        row = rows[enrolment_id]
        row.cells[index] = cell
        if cell.is_online:
            row.online_hours += hours
        else:
            row.offline_hours += hours
        row.flags.extend({"session": sessions[index], **flag} for flag in flags)
    for row in rows.values():
        row.days = days_text(row.total_hours, on=training_class.start_date)
    return list(rows.values())


def flagged_count(*, training_class: TrainingClass) -> int:
    """How many of the class's attendances carry a flag."""
    return Attendance.objects.filter(session__training_class=training_class).exclude(flags=[]).count()
