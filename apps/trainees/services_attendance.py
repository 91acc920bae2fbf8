"""Attendance: the minutes each trainee attended each session, and what an officer should look at.

Class-hours are never stored: they are `minutes // 45` per session (R2.1), computed where shown.
Flags are stored on the row (`Attendance.flags`, a list of {"code", "message"}):

- `outside_date`: signed in on another day than the session's;
- `outside_hours`: signed in more than 15 minutes before the session starts, or signed out more
  than 15 minutes after it ends;
- `overlap`: the same person attended another session, of any class in the city, at a time that
  overlaps this one. Recorded online sessions are watched at any time, so they never overlap.

Every write goes through `attendance_save_many`: it locks the class, computes the overlap flags
from one query over the affected persons' attendances on the affected dates, upserts per
(session, enrolment) in batches, and writes one line to the class's log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.classes.models import ClassSession, ClassStatus, SessionMode, TrainingClass
from apps.classes.permissions import is_class_operator
from apps.core.bulk import upsert_rows
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record

from .models import Attendance, AttendanceSource, Enrolment, EnrolmentStatus

# Attendance is taken from approval (sessions may start before the class is marked running)
# until the class is completed; after that the figures feed claims and stay as they are.
OPEN_FOR_ATTENDANCE = (ClassStatus.APPROVED, ClassStatus.RUNNING)
SIGN_TOLERANCE = timedelta(minutes=15)
# Rows per UPDATE of the flags of other attendances (Django's bulk_update, a CASE per row).
BATCH_SIZE = 1000
SAVED_FIELDS = ("session", "enrolment", "minutes", "mode", "signed_in_at", "signed_out_at", "source", "flags")
# Above this many persons the overlap query selects them with a subquery over the class's
# roster instead of a literal IN list.
PERSON_LIST_LIMIT = 500
MODE_LABELS = dict(SessionMode.choices)


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """One checked attendance, ready to save. Sign-in and sign-out are aware datetimes."""

    session: ClassSession
    enrolment_id: int
    person_id: int
    minutes: int
    mode: str
    signed_in_at: datetime | None = None
    signed_out_at: datetime | None = None


@dataclass(frozen=True)
class SaveCounts:
    created: int
    updated: int
    skipped: int = 0

    @property
    def saved(self) -> int:
        return self.created + self.updated


def local(value: datetime) -> datetime:
    """An aware datetime as naive Chongqing time, for comparing with a session's date and times."""
    return timezone.localtime(value).replace(tzinfo=None)


def session_span(session: ClassSession) -> tuple[datetime, datetime]:
    return datetime.combine(session.date, session.start_time), datetime.combine(
        session.date, session.end_time
    )


def attended_minutes(session: ClassSession, signed_in: datetime, signed_out: datetime) -> int:
    """Minutes between sign-in and sign-out that fall inside the session (naive local times)."""
    start, end = session_span(session)
    seconds = (min(signed_out, end) - max(signed_in, start)).total_seconds()
    return max(0, int(seconds // 60))


def hours_flags(session: ClassSession, signed_in: datetime | None, signed_out: datetime | None) -> list[dict]:
    """The `outside_date` and `outside_hours` flags of one attendance (naive local times)."""
    flags: list[dict] = []
    start, end = session_span(session)
    if signed_in is not None and signed_in.date() != session.date:
        flags.append(
            {
                "code": "outside_date",
                "message": f"签到日期 {signed_in:%Y-%m-%d} 不是课次日期 {session.date:%Y-%m-%d}",
            }
        )
    elif signed_in is not None and signed_in < start - SIGN_TOLERANCE:
        flags.append(
            {
                "code": "outside_hours",
                "message": f"签到时间 {signed_in:%H:%M} 早于课次开始 {start:%H:%M} 超过 15 分钟",
            }
        )
    if signed_out is not None and signed_out > end + SIGN_TOLERANCE:
        when = f"{signed_out:%H:%M}" if signed_out.date() == session.date else f"{signed_out:%Y-%m-%d %H:%M}"
        flags.append(
            {"code": "outside_hours", "message": f"签退时间 {when} 晚于课次结束 {end:%H:%M} 超过 15 分钟"}
        )
    return flags


def minutes_problem(session: ClassSession, minutes: int) -> str | None:
    if minutes < 0:
        return "不能为负数"
    if minutes > session.minutes:
        return f"{minutes} 分钟超过课次时长 {session.minutes} 分钟"
    return None


def lock_class_for_attendance(*, actor: Any, training_class: TrainingClass) -> TrainingClass:
    """The class, locked for this transaction, once we know `actor` may record its attendance now."""
    training_class = (
        TrainingClass.objects.select_for_update().select_related("institution").get(pk=training_class.pk)
    )
    if not is_class_operator(actor, training_class):
        raise ApplicationError("只有本班培训机构的经办人可以录入出勤")
    if training_class.status not in OPEN_FOR_ATTENDANCE:
        raise ApplicationError(
            f"{training_class.get_status_display()}的班级不能录入出勤（审核通过或开班中的班级方可录入）",
            field="status",
        )
    return training_class


def attendance_entry(
    *,
    session: ClassSession,
    enrolment: Enrolment,
    minutes: int | None,
    mode: str,
    signed_in_at: datetime | None = None,
    signed_out_at: datetime | None = None,
) -> AttendanceRow:
    """Check one attendance typed by hand; minutes left out are taken from the sign-in and
    sign-out times, clipped to the session. Raises ApplicationError naming the field."""
    if enrolment.training_class_id != session.training_class_id:
        raise ApplicationError("该学员不在本课次所属班级", field="enrolment")
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ApplicationError(f"{enrolment.person.name} 已退出本班，不能录入出勤", field="enrolment")
    if mode not in MODE_LABELS:
        raise ApplicationError(f"方式“{mode}”无效", field="mode")
    if (signed_in_at is None) != (signed_out_at is None):
        missing = "signed_out_at" if signed_out_at is None else "signed_in_at"
        raise ApplicationError("签到时间和签退时间须同时填写", field=missing)
    if signed_in_at is not None and signed_out_at < signed_in_at:
        raise ApplicationError("签退时间不能早于签到时间", field="signed_out_at")
    if minutes is None:
        if signed_in_at is None:
            raise ApplicationError("请填写出勤分钟数，或签到和签退时间", field="minutes")
        minutes = attended_minutes(session, local(signed_in_at), local(signed_out_at))
    problem = minutes_problem(session, minutes)
    if problem:
        raise ApplicationError(f"出勤分钟：{problem}", field="minutes")
    return AttendanceRow(
        session, enrolment.pk, enrolment.person_id, minutes, mode, signed_in_at, signed_out_at
    )


@transaction.atomic
def attendance_record(
    *,
    actor: Any,
    session: ClassSession,
    enrolment: Enrolment,
    minutes: int | None,
    mode: str,
    signed_in_at: datetime | None = None,
    signed_out_at: datetime | None = None,
    source: str,
) -> Attendance:
    """Record (or correct) one trainee's attendance of one session; logged on the attendance."""
    training_class = lock_class_for_attendance(actor=actor, training_class=session.training_class)
    row = attendance_entry(
        session=session,
        enrolment=enrolment,
        minutes=minutes,
        mode=mode,
        signed_in_at=signed_in_at,
        signed_out_at=signed_out_at,
    )
    before = Attendance.objects.filter(session=session, enrolment=enrolment).first()
    _upsert(training_class, [row], source)
    attendance = Attendance.objects.get(session=session, enrolment=enrolment)
    state_change_record(
        obj=attendance,
        actor=actor,
        from_state="" if before is None else "recorded",
        to_state="recorded",
        reason=f"录入出勤：{enrolment.person.name} {session} {attendance.minutes} 分钟",
        changes={
            "minutes": [None if before is None else before.minutes, attendance.minutes],
            "mode": [None if before is None else before.mode, attendance.mode],
            "source": source,
        },
    )
    return attendance


@transaction.atomic
def attendance_save_many(
    *,
    actor: Any,
    training_class: TrainingClass,
    rows: list[AttendanceRow],
    source: str,
    reason: str,
    skipped: int = 0,
) -> SaveCounts:
    """Save checked rows of one class all at once (a session's form, an import): upsert per
    (session, enrolment), recompute the overlap flags, and log one line on the class."""
    training_class = lock_class_for_attendance(actor=actor, training_class=training_class)
    if any(row.session.training_class_id != training_class.pk for row in rows):
        raise ApplicationError("课次不属于本班", field="session")
    created, updated = _upsert(training_class, rows, source)
    counts = SaveCounts(created, updated, skipped)
    state_change_record(
        obj=training_class,
        actor=actor,
        from_state=training_class.status,
        to_state=training_class.status,
        reason=f"{reason}：新增 {created} 条，更新 {updated} 条出勤记录",
        changes={"attendance": {"source": source, "created": created, "updated": updated}},
    )
    return counts


@dataclass(slots=True)
class _Span:
    """One attendance as the overlap check sees it: who, which session, when (naive local)."""

    pk: int | None
    person_id: int
    class_id: int
    session_date: date
    session_start: time
    session_end: time
    start: datetime
    end: datetime
    minutes: int
    mode: str
    flags: list


def _span(row: AttendanceRow, class_id: int) -> _Span:
    session = row.session
    if row.signed_in_at is not None and row.signed_out_at is not None:
        start, end = local(row.signed_in_at), local(row.signed_out_at)
    else:
        start, end = session_span(session)
    return _Span(
        None,
        row.person_id,
        class_id,
        session.date,
        session.start_time,
        session.end_time,
        start,
        end,
        row.minutes,
        row.mode,
        [],
    )


def _existing_spans(training_class: TrainingClass, rows: list[AttendanceRow]) -> dict[tuple[int, int], _Span]:
    """Every attendance of the rows' persons on the rows' dates, in any class: one query."""
    persons = {row.person_id for row in rows}
    dates = {row.session.date for row in rows}
    qs = Attendance.objects.filter(session__date__in=dates)
    if len(persons) <= PERSON_LIST_LIMIT:
        qs = qs.filter(enrolment__person_id__in=persons)
    else:
        qs = qs.filter(
            enrolment__person_id__in=Enrolment.objects.filter(training_class=training_class).values(
                "person_id"
            )
        )
    spans = {}
    for (
        pk,
        session_id,
        enrolment_id,
        person_id,
        class_id,
        day,
        start_time,
        end_time,
        signed_in,
        signed_out,
        minutes,
        mode,
        flags,
    ) in qs.values_list(
        "pk",
        "session_id",
        "enrolment_id",
        "enrolment__person_id",
        "session__training_class_id",
        "session__date",
        "session__start_time",
        "session__end_time",
        "signed_in_at",
        "signed_out_at",
        "minutes",
        "mode",
        "flags",
    ).order_by():
        if signed_in is not None and signed_out is not None:
            start, end = local(signed_in), local(signed_out)
        else:
            start, end = datetime.combine(day, start_time), datetime.combine(day, end_time)
        spans[(session_id, enrolment_id)] = _Span(
            pk, person_id, class_id, day, start_time, end_time, start, end, minutes, mode, flags
        )
    return spans


def _overlap_flag(other: _Span, class_id: int) -> dict:
    where = "本班" if other.class_id == class_id else f"班级编号 {other.class_id}"
    return {
        "code": "overlap",
        "message": f"同一时段另有出勤：{other.session_date:%Y-%m-%d} "
        f"{other.session_start:%H:%M}–{other.session_end:%H:%M}（{where}）",
    }


def _overlaps(spans: dict[tuple[int, int], _Span]) -> dict[tuple[int, int], list[dict]]:
    """The overlap flags of every span that overlaps another span of the same person."""
    by_person: dict[int, list[tuple[datetime, datetime, tuple[int, int]]]] = defaultdict(list)
    for key, span in spans.items():
        if span.minutes > 0 and span.mode != SessionMode.RECORDED and span.end > span.start:
            by_person[span.person_id].append((span.start, span.end, key))
    flags: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for intervals in by_person.values():
        if len(intervals) < 2:
            continue
        intervals.sort()
        for i, (_, end, key) in enumerate(intervals):
            for other_start, _, other_key in intervals[i + 1 :]:
                if other_start >= end:
                    break
                flags[key].append(_overlap_flag(spans[other_key], spans[key].class_id))
                flags[other_key].append(_overlap_flag(spans[key], spans[other_key].class_id))
    return flags


def _upsert(training_class: TrainingClass, rows: list[AttendanceRow], source: str) -> tuple[int, int]:
    """Insert or update the rows, with their flags; re-flag the persons' other attendances whose
    overlap changed. Returns (created, updated)."""
    if source not in AttendanceSource.values:
        raise ApplicationError(f"出勤来源“{source}”无效", field="source")
    if not rows:
        return 0, 0
    spans = _existing_spans(training_class, rows)
    existing_keys = set(spans)
    new_keys = set()
    for row in rows:
        key = (row.session.pk, row.enrolment_id)
        spans[key] = _span(row, training_class.pk)
        new_keys.add(key)
    if len(new_keys) != len(rows):
        raise ApplicationError("同一学员的同一课次出现了不止一次", field="rows")
    overlaps = _overlaps(spans)

    values = []
    for row in rows:
        key = (row.session.pk, row.enrolment_id)
        signed_in = None if row.signed_in_at is None else local(row.signed_in_at)
        signed_out = None if row.signed_out_at is None else local(row.signed_out_at)
        flags = hours_flags(row.session, signed_in, signed_out) + overlaps.get(key, [])
        values.append((*key, row.minutes, row.mode, row.signed_in_at, row.signed_out_at, source, flags))
    upsert_rows(Attendance, SAVED_FIELDS, values, unique_fields=("session", "enrolment"))

    changed = []
    for key in existing_keys - new_keys:
        span = spans[key]
        flags = [f for f in span.flags if f.get("code") != "overlap"] + overlaps.get(key, [])
        if flags != span.flags:
            changed.append(Attendance(pk=span.pk, flags=flags))
    Attendance.objects.bulk_update(changed, ["flags"], batch_size=BATCH_SIZE)
    updated = len(new_keys & existing_keys)
    return len(new_keys) - updated, updated
