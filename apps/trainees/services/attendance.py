"""Attendance: the minutes each trainee attended each session, and what an officer should look at.

Class-hours are never stored: they are `minutes // 45` per session (R2.1), computed where shown.
Flags are stored on the row (`Attendance.flags`, a list of {"code", "message"}):

- `outside_date`: signed in on another day than the session's;
- `outside_hours`: signed in more than 15 minutes before the session starts, or signed out more
  than 15 minutes after it ends;
- `overlap`: the same person attended another session, of any class in the city, at a time that
  overlaps this one. Recorded online sessions are watched at any time, so they never overlap.

Every write goes through `attendance_save_many`: it locks the class, computes the flags, upserts
per (session, enrolment) and writes one line to the class's log. The overlap check works on
sessions before rows: one query gives, per session on the affected dates, the span its counting
attendances of the affected persons cover (from the earliest sign-in to the latest sign-out, or
the session's own hours). Two attendances can only overlap if their sessions' spans do, so rows
are read and compared only in such sessions, or where an overlap flag is stored and may have to
go; in a class whose sessions do not overlap, that is no row at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple

from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from apps.classes.models import ClassSession, ClassStatus, SessionMode, TrainingClass
from apps.classes.permissions import is_class_operator
from apps.core import dates
from apps.core.bulk import upsert_rows
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.core.tabular import RowError, TableErrors

from ..models import Attendance, AttendanceSource, Enrolment, EnrolmentStatus

if TYPE_CHECKING:
    from apps.accounts.models import User

if TYPE_CHECKING:
    from apps.accounts.models import User

# Attendance is taken from approval (sessions may start before the class is marked running)
# until the class is completed; after that the figures feed claims and stay as they are.
OPEN_FOR_ATTENDANCE = (ClassStatus.APPROVED, ClassStatus.RUNNING)
SIGN_TOLERANCE = timedelta(minutes=15)
# Rows per UPDATE of other attendances' flags (Django's bulk_update: a CASE per row). Few rows
# in practice: only where an overlap appears or goes.
BATCH_SIZE = 1000
# Above this many persons the overlap queries select them with a subquery over the class's roster
# (a superset, narrowed in Python) instead of a literal IN list.
PERSON_LIST_LIMIT = 500
# The stored text of an overlap flag contains its code in quotes, on SQLite and PostgreSQL alike.
OVERLAP_MARK = '"overlap"'
MODE_LABELS = dict(SessionMode.choices)
SOURCES = frozenset(AttendanceSource.values)
RECORDED = SessionMode.RECORDED.value


class AttendanceRow(NamedTuple):
    """One checked attendance, ready to save. Sign-in and sign-out are aware datetimes. (A named
    tuple: an import makes 100,000 of them.)"""

    session: ClassSession
    enrolment_id: int
    person_id: int
    minutes: int
    mode: str
    signed_in_at: datetime | None = None
    signed_out_at: datetime | None = None


class SavedAttendance(NamedTuple):
    """One attendance as upserted: its values in the order of its fields (SAVED_FIELDS), the
    session and enrolment as pks."""

    session: int
    enrolment: int
    minutes: int
    mode: str
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    source: str
    flags: list[dict[str, str]]


SAVED_FIELDS = SavedAttendance._fields


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


def sign_in_flags(session: ClassSession, signed_in: datetime | None) -> list[dict]:
    """`outside_date` when signed in on another day, else `outside_hours` when more than 15
    minutes before the start (naive local time)."""
    if signed_in is None:
        return []
    if signed_in.date() != session.date:
        message = f"签到日期 {signed_in:%Y-%m-%d} 不是课次日期 {session.date:%Y-%m-%d}"
        return [{"code": "outside_date", "message": message}]
    start = datetime.combine(session.date, session.start_time)
    if signed_in < start - SIGN_TOLERANCE:
        message = f"签到时间 {signed_in:%H:%M} 早于课次开始 {start:%H:%M} 超过 15 分钟"
        return [{"code": "outside_hours", "message": message}]
    return []


def sign_out_flags(session: ClassSession, signed_out: datetime | None) -> list[dict]:
    """`outside_hours` when signed out more than 15 minutes after the end (naive local time)."""
    end = datetime.combine(session.date, session.end_time)
    if signed_out is None or signed_out <= end + SIGN_TOLERANCE:
        return []
    when = f"{signed_out:%H:%M}" if signed_out.date() == session.date else f"{signed_out:%Y-%m-%d %H:%M}"
    return [{"code": "outside_hours", "message": f"签退时间 {when} 晚于课次结束 {end:%H:%M} 超过 15 分钟"}]


def hours_flags(session: ClassSession, signed_in: datetime | None, signed_out: datetime | None) -> list[dict]:
    """The `outside_date` and `outside_hours` flags of one attendance (naive local times)."""
    return sign_in_flags(session, signed_in) + sign_out_flags(session, signed_out)


def future_problem(session: ClassSession, today: date) -> str | None:
    """Attendance is recorded for a session once it is held: never for one on a later day."""
    if session.date > today:
        held = f"{session.date:%Y-%m-%d} {session.start_time:%H:%M}"
        return f"课次 {held} 尚未开始（今天是 {today:%Y-%m-%d}），不能录入出勤"
    return None


def minutes_problem(session: ClassSession, minutes: int) -> str | None:
    if minutes < 0:
        return "不能为负数"
    if minutes > session.minutes:
        return f"{minutes} 分钟超过课次时长 {session.minutes} 分钟"
    return None


def lock_class_for_attendance(*, actor: User, training_class: TrainingClass) -> TrainingClass:
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
    future = future_problem(session, dates.today())
    if future:
        raise ApplicationError(future, field="session")
    if (signed_in_at is None) != (signed_out_at is None):
        missing = "signed_out_at" if signed_out_at is None else "signed_in_at"
        raise ApplicationError("签到时间和签退时间须同时填写", field=missing)
    if signed_in_at is not None and signed_out_at is not None and signed_out_at < signed_in_at:
        raise ApplicationError("签退时间不能早于签到时间", field="signed_out_at")
    if minutes is None:
        if signed_in_at is None or signed_out_at is None:
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
    actor: User,
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
    _save(training_class, [row], source)
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
    actor: User,
    training_class: TrainingClass,
    rows: list[AttendanceRow],
    source: str,
    reason: str,
    skipped: int = 0,
) -> SaveCounts:
    """Save checked rows of one class all at once (a session's form, an import): upsert per
    (session, enrolment), recompute the overlap flags, and log one line on the class."""
    training_class = lock_class_for_attendance(actor=actor, training_class=training_class)
    if {row.session.training_class_id for row in rows} - {training_class.pk}:
        raise ApplicationError("课次不属于本班", field="session")
    today = dates.today()
    future = next((problem for row in rows if (problem := future_problem(row.session, today))), None)
    if future:
        raise ApplicationError(future, field="session")
    created, updated = _save(training_class, rows, source)
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


class _Span(NamedTuple):
    """One attendance as the overlap check sees it: whose, which session, when (naive local)."""

    key: tuple[int, int]  # (session, enrolment)
    pk: int | None  # None: a row being saved
    person_id: int
    class_id: int
    session_date: date
    session_start: time
    session_end: time
    start: datetime
    end: datetime
    counts: bool  # attended (minutes > 0), and not a recorded session (watched at any time)
    flags: list


class _Clock:
    """Local times and hours flags, once per distinct value: an import repeats the same few
    sign-in minutes of each session thousands of times."""

    def __init__(self) -> None:
        self._local: dict[datetime, datetime] = {}
        self._in: dict[tuple[int, datetime], list[dict]] = {}
        self._out: dict[tuple[int, datetime], list[dict]] = {}
        self._spans: dict[int, tuple[datetime, datetime]] = {}

    def local(self, value: datetime) -> datetime:
        try:
            return self._local[value]
        except KeyError:
            self._local[value] = naive = local(value)
            return naive

    def session_span(self, session: ClassSession) -> tuple[datetime, datetime]:
        try:
            return self._spans[session.pk]
        except KeyError:
            self._spans[session.pk] = span = session_span(session)
            return span

    def interval(self, session: ClassSession, signed_in: datetime | None, signed_out: datetime | None):
        """When the trainee was there: the sign-in to the sign-out when both are known, else the
        session's hours."""
        if signed_in is None or signed_out is None:
            return self.session_span(session)
        return self.local(signed_in), self.local(signed_out)

    def flags(self, session: ClassSession, signed_in: datetime | None, signed_out: datetime | None) -> list:
        flags = []
        if signed_in is not None:
            key = (session.pk, signed_in)
            if key not in self._in:
                self._in[key] = sign_in_flags(session, self.local(signed_in))
            flags += self._in[key]
        if signed_out is not None:
            key = (session.pk, signed_out)
            if key not in self._out:
                self._out[key] = sign_out_flags(session, self.local(signed_out))
            flags += self._out[key]
        return flags


def _counts(minutes: int, mode: str, start: datetime, end: datetime) -> bool:
    return minutes > 0 and mode != RECORDED and end > start


def _save(training_class: TrainingClass, rows: list[AttendanceRow], source: str) -> tuple[int, int]:
    """Upsert the rows with their flags, and re-flag the persons' other attendances whose
    overlap changed. Returns (created, updated)."""
    if source not in SOURCES:
        raise ApplicationError(f"出勤来源“{source}”无效", field="source")
    if not rows:
        return 0, 0
    keys = {(row.session.pk, row.enrolment_id): index for index, row in enumerate(rows)}
    if len(keys) != len(rows):
        raise ApplicationError("同一学员的同一课次出现了不止一次", field="rows")
    clock = _Clock()
    values: list[SavedAttendance] = []
    # Per session, the span its counting rows cover: [earliest start, latest end]. Rows without
    # sign times cover the session's hours: noted per session, spanned once below.
    covered: dict[int, list] = {}
    unsigned: dict[int, ClassSession] = {}
    for session, enrolment_id, _person, minutes, mode, signed_in, signed_out in rows:
        pk = session.pk
        if signed_in is None and signed_out is None:
            if minutes > 0 and mode != RECORDED:
                unsigned[pk] = session
            values.append(SavedAttendance(pk, enrolment_id, minutes, mode, None, None, source, []))
            continue
        start, end = clock.interval(session, signed_in, signed_out)
        if _counts(minutes, mode, start, end):
            _cover(covered, pk, start, end)
        flags = clock.flags(session, signed_in, signed_out)
        values.append(SavedAttendance(pk, enrolment_id, minutes, mode, signed_in, signed_out, source, flags))
    for pk, session in unsigned.items():
        _cover(covered, pk, *clock.session_span(session))
    persons = {row.person_id for row in rows}
    dates = {row.session.date for row in rows}
    scope = _persons_scope(training_class, persons, dates)
    flagged = _stored_spans(scope, covered, clock)
    overlapping = _overlapping_sessions(covered)
    changed: list[Attendance] = []
    if overlapping or flagged:
        changed = _reflag(scope, rows, keys, values, persons, overlapping, flagged, clock)

    before = _class_attendances(training_class).count()
    upsert_rows(Attendance, SAVED_FIELDS, values, unique_fields=("session", "enrolment"))
    created = _class_attendances(training_class).count() - before
    Attendance.objects.bulk_update(changed, ["flags", "updated_at"], batch_size=BATCH_SIZE)
    return created, len(rows) - created


def _class_attendances(training_class: TrainingClass) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session__training_class=training_class).order_by()


def _persons_scope(
    training_class: TrainingClass, persons: set[int], dates: set[date]
) -> QuerySet[Attendance]:
    """Every attendance on the dates of the persons (or, for many, of the class's roster)."""
    qs = Attendance.objects.filter(session__date__in=dates).order_by()
    if len(persons) <= PERSON_LIST_LIMIT:
        return qs.filter(enrolment__person_id__in=persons)
    roster = Enrolment.objects.filter(training_class=training_class).values("person_id")
    return qs.filter(enrolment__person_id__in=roster)


def _stored_spans(scope: QuerySet[Attendance], covered: dict[int, list], clock: _Clock) -> set[int]:
    """Widen `covered` with the stored attendances in scope (one query, grouped by session);
    returns the sessions where some stored row carries an overlap flag. Rows about to be
    replaced count too: a wider span only means a closer look."""
    counting = Q(minutes__gt=0) & ~Q(mode=SessionMode.RECORDED)
    grouped = scope.values(
        "session_id",
        "session__date",
        "session__start_time",
        "session__end_time",
    ).annotate(
        first_in=Min("signed_in_at", filter=counting),
        last_out=Max("signed_out_at", filter=counting),
        unsigned=Count(
            "pk", filter=counting & (Q(signed_in_at__isnull=True) | Q(signed_out_at__isnull=True))
        ),
        flagged=Count("pk", filter=Q(flags__icontains=OVERLAP_MARK)),
    )
    flagged = set()
    for group in grouped:
        pk = group["session_id"]
        if group["flagged"]:
            flagged.add(pk)
        day = group["session__date"]
        ends = []
        if group["unsigned"]:
            ends.append(
                (
                    datetime.combine(day, group["session__start_time"]),
                    datetime.combine(day, group["session__end_time"]),
                )
            )
        if group["first_in"] is not None and group["last_out"] is not None:
            ends.append((clock.local(group["first_in"]), clock.local(group["last_out"])))
        for start, end in ends:
            _cover(covered, pk, start, end)
    return flagged


def _cover(covered: dict[int, list], pk: int, start: datetime, end: datetime) -> None:
    span = covered.get(pk)
    if span is None:
        covered[pk] = [start, end]
    else:
        span[0], span[1] = min(span[0], start), max(span[1], end)


def _overlapping_sessions(covered: dict[int, list]) -> set[int]:
    """The sessions whose covered span overlaps another session's."""
    found: set[int] = set()
    open_spans: list[tuple[datetime, int]] = []  # (end, session) of the spans begun so far
    for start, end, pk in sorted((start, end, pk) for pk, (start, end) in covered.items()):
        open_spans = [(until, other) for until, other in open_spans if until > start]
        if open_spans:
            found.add(pk)
            found.update(other for _, other in open_spans)
        open_spans.append((end, pk))
    return found


def _reflag(
    scope: QuerySet[Attendance],
    rows: list[AttendanceRow],
    keys: dict[tuple[int, int], int],
    values: list[SavedAttendance],
    persons: set[int],
    overlapping: set[int],
    flagged: set[int],
    clock: _Clock,
) -> list[Attendance]:
    """Compare the attendances in the overlapping sessions person by person: the overlap flags
    go into the rows being saved (`values`, in place); the stored attendances whose flags change
    (an overlap found, or one stored that is no more) are returned for an UPDATE."""
    spans: list[_Span] = []
    stored = scope.filter(session_id__in=overlapping | flagged).values_list(
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
    )
    for (
        pk,
        session_id,
        enrolment_id,
        person_id,
        class_id,
        day,
        begins,
        ends,
        signed_in,
        signed_out,
        minutes,
        mode,
        flags,
    ) in stored:
        key = (session_id, enrolment_id)
        if person_id not in persons or key in keys:  # another person's, or about to be replaced
            continue
        if signed_in is not None and signed_out is not None:
            start, end = clock.local(signed_in), clock.local(signed_out)
        else:
            start, end = datetime.combine(day, begins), datetime.combine(day, ends)
        counts = session_id in overlapping and _counts(minutes, mode, start, end)
        spans.append(_Span(key, pk, person_id, class_id, day, begins, ends, start, end, counts, flags))
    for row in rows:
        session = row.session
        if session.pk in overlapping:
            start, end = clock.interval(session, row.signed_in_at, row.signed_out_at)
            counts = _counts(row.minutes, row.mode, start, end)
            spans.append(
                _Span(
                    (session.pk, row.enrolment_id),
                    None,
                    row.person_id,
                    session.training_class_id,
                    session.date,
                    session.start_time,
                    session.end_time,
                    start,
                    end,
                    counts,
                    [],
                )
            )
    overlaps = _overlaps(spans)
    now = timezone.now()
    changed = []
    for index, span in enumerate(spans):
        found = overlaps.get(index, [])
        if span.pk is None:
            if found:
                position = keys[span.key]
                value = values[position]
                values[position] = value._replace(flags=value.flags + found)
            continue
        flags = [flag for flag in span.flags if flag.get("code") != "overlap"] + found
        if flags != span.flags:
            changed.append(Attendance(pk=span.pk, flags=flags, updated_at=now))
    return changed


def _overlap_flag(other: _Span, class_id: int) -> dict:
    where = "本班" if other.class_id == class_id else f"班级编号 {other.class_id}"
    return {
        "code": "overlap",
        "message": f"同一时段另有出勤：{other.session_date:%Y-%m-%d} "
        f"{other.session_start:%H:%M}–{other.session_end:%H:%M}（{where}）",
    }


def _overlaps(spans: list[_Span]) -> dict[int, list[dict]]:
    """The overlap flags of every counting span that overlaps another of the same person, by
    the span's index."""
    by_person: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for index, span in enumerate(spans):
        if span.counts:
            by_person[span.person_id].append((span.start, span.end, index))
    flags: dict[int, list[dict]] = defaultdict(list)
    for intervals in by_person.values():
        if len(intervals) < 2:
            continue
        intervals.sort()
        for i, (_, end, index) in enumerate(intervals):
            for other_start, _, other in intervals[i + 1 :]:
                if other_start >= end:
                    break
                flags[index].append(_overlap_flag(spans[other], spans[index].class_id))
                flags[other].append(_overlap_flag(spans[index], spans[other].class_id))
    return flags


@dataclass(frozen=True)
class AttendanceInput:
    """One attendance as a client's own system sends it (the API's JSON): the session and
    enrolment by id, minutes or the sign-in and sign-out times, and the mode."""

    session: int
    enrolment: int
    mode: str
    minutes: int | None = None
    signed_in_at: datetime | None = None
    signed_out_at: datetime | None = None


@transaction.atomic
def attendance_record_many(
    *, actor: User, training_class: TrainingClass, entries: list[AttendanceInput]
) -> SaveCounts:
    """Record many attendances of one class at once (the API's JSON): each checked as a typed one
    (`attendance_entry`); every row at fault is named in one TableErrors and nothing is saved."""
    training_class = lock_class_for_attendance(actor=actor, training_class=training_class)
    sessions = {s.pk: s for s in training_class.sessions.all()}
    enrolments = {
        e.pk: e for e in Enrolment.objects.filter(training_class=training_class).select_related("person")
    }
    rows: list[AttendanceRow] = []
    errors: list[RowError] = []
    seen: set[tuple[int, int]] = set()
    for number, entry in enumerate(entries, start=1):
        session, enrolment = sessions.get(entry.session), enrolments.get(entry.enrolment)
        if session is None:
            errors.append(RowError(number, "session", f"课次 {entry.session} 不属于本班"))
            continue
        if enrolment is None:
            errors.append(RowError(number, "enrolment", f"学员登记 {entry.enrolment} 不属于本班"))
            continue
        if (entry.session, entry.enrolment) in seen:
            errors.append(RowError(number, "enrolment", "同一学员同一课次重复出现"))
            continue
        seen.add((entry.session, entry.enrolment))
        try:
            rows.append(
                attendance_entry(
                    session=session,
                    enrolment=enrolment,
                    minutes=entry.minutes,
                    mode=entry.mode,
                    signed_in_at=entry.signed_in_at,
                    signed_out_at=entry.signed_out_at,
                )
            )
        except ApplicationError as error:
            errors.append(RowError(number, error.field or "", error.message))
    if errors:
        raise TableErrors(errors)
    return attendance_save_many(
        actor=actor,
        training_class=training_class,
        rows=rows,
        source=AttendanceSource.MANUAL,
        reason="接口录入出勤",
    )
