"""attendance_record and attendance_save_many: class-hours per session (R2.1), days as exact
fractions, upserts, who may record and when, and the flags (outside hours, two places at once)."""

from datetime import date, time

import pytest

from apps.classes.models import ClassStatus
from apps.classes.services import SessionInput, class_transition
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.selectors import state_changes_for
from apps.trainees.models import Attendance, AttendanceSource
from apps.trainees.selectors.attendance import attendance_grid, days_text
from apps.trainees.selectors.roster import enrolments_active
from apps.trainees.services.attendance import AttendanceRow, attendance_record, attendance_save_many
from tests.factories import UserFactory
from tests.trainees.attendance_factories import EnrolmentFactory, at, enrol

pytestmark = pytest.mark.django_db
MANUAL = AttendanceSource.MANUAL


def _record(operator, session, enrolment, minutes, **kwargs):
    kwargs.setdefault("mode", session.mode)
    return attendance_record(
        actor=operator, session=session, enrolment=enrolment, minutes=minutes, source=MANUAL, **kwargs
    )


def _grid(training_class):
    sessions = list(training_class.sessions.all())
    return sessions, attendance_grid(
        training_class=training_class,
        sessions=sessions,
        enrolments=list(enrolments_active(training_class=training_class)),
    )


@pytest.mark.parametrize(
    ("minutes", "class_hours"),
    [(0, 0), (44, 0), (45, 1), (89, 1), (90, 2), (404, 8), (405, 9)],
    ids=lambda v: str(v),
)
def test_minutes_become_whole_class_hours_per_session(
    operator, running_class, sessions, trainees, minutes, class_hours
):
    _record(operator, sessions[0], trainees[0], minutes)
    _, rows = _grid(running_class)
    cell = next(c for c in rows[0].cells if c is not None)
    assert (cell.minutes, cell.class_hours) == (minutes, class_hours)
    assert rows[0].offline_hours == class_hours


def test_short_sessions_are_not_carried_over(operator, running_class, sessions, trainees):
    # 44 + 44 minutes in two sessions: 0 + 0 class-hours, not 88 // 45 = 1 (R2.1)
    _record(operator, sessions[0], trainees[0], 44)
    _record(operator, sessions[1], trainees[0], 44)
    _, rows = _grid(running_class)
    assert rows[0].total_hours == 0


@pytest.mark.parametrize(
    ("class_hours", "days"),
    [(0, "0"), (4, "2/3"), (6, "1"), (9, "1 1/2"), (20, "3 1/3"), (23, "3 5/6"), (60, "10")],
)
def test_days_are_exact_mixed_fractions(class_hours, days):
    assert days_text(class_hours, on=date(2026, 12, 5)) == days
    assert days_text(class_hours, on=date(2021, 3, 1)) == days


def test_totals_offline_and_online(operator, running_class, sessions, trainees):
    _record(operator, sessions[0], trainees[0], 405)  # offline 9
    _record(operator, sessions[1], trainees[0], 405)  # offline 9
    _record(operator, sessions[2], trainees[0], 135)  # live 3
    _record(operator, sessions[5], trainees[0], 100)  # recorded 2
    _, rows = _grid(running_class)
    row = rows[0]
    assert (row.offline_hours, row.online_hours, row.total_hours, row.days) == (18, 5, 23, "3 5/6")
    assert (rows[1].total_hours, rows[1].days) == (0, "0")
    assert [c is not None for c in row.cells] == [True, True, True, False, False, True, False, False]


def test_record_is_an_upsert_and_is_logged(operator, running_class, sessions, trainees):
    first = _record(operator, sessions[0], trainees[0], 300)
    second = _record(operator, sessions[0], trainees[0], 405)
    assert first.pk == second.pk
    assert Attendance.objects.count() == 1
    assert Attendance.objects.get().minutes == 405
    log = list(state_changes_for(obj=second))
    assert [(e.from_state, e.to_state, e.changes["minutes"]) for e in log] == [
        ("", "recorded", [None, 300]),
        ("recorded", "recorded", [300, 405]),
    ]
    assert log[-1].actor == operator


def test_minutes_come_from_the_sign_times_clipped_to_the_session(operator, running_class, sessions, trainees):
    day = sessions[0].date  # 09:00–15:45
    attendance = _record(
        operator,
        sessions[0],
        trainees[0],
        None,
        signed_in_at=at(day, "08:50"),
        signed_out_at=at(day, "12:00"),
    )
    assert attendance.minutes == 180
    attendance = _record(
        operator,
        sessions[0],
        trainees[0],
        None,
        signed_in_at=at(day, "10:00"),
        signed_out_at=at(day, "16:30"),
    )
    assert attendance.minutes == 345


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"minutes": 406}, "minutes"),
        ({"minutes": -1}, "minutes"),
        ({"minutes": 60, "mode": "video"}, "mode"),
        ({"minutes": None}, "minutes"),
        ({"minutes": None, "signed_in_at": at(date(2026, 12, 5), "09:00")}, "signed_out_at"),
        (
            {
                "minutes": None,
                "signed_in_at": at(date(2026, 12, 5), "12:00"),
                "signed_out_at": at(date(2026, 12, 5), "11:00"),
            },
            "signed_out_at",
        ),
    ],
    ids=["above-length", "negative", "bad-mode", "nothing", "sign-in-only", "out-before-in"],
)
def test_bad_attendance_is_refused(operator, sessions, trainees, kwargs, field):
    kwargs = {"mode": "offline", **kwargs}
    with pytest.raises(ApplicationError) as exc:
        attendance_record(actor=operator, session=sessions[0], enrolment=trainees[0], source=MANUAL, **kwargs)
    assert exc.value.field == field
    assert not Attendance.objects.exists()


def test_withdrawn_and_other_class_trainees_are_refused(
    operator, make_class, approve, sessions, running_class
):
    withdrawn = EnrolmentFactory(training_class=running_class, withdrawn=True)
    other = enrol(approve(make_class(name="另一个班")), 1)[0]
    for enrolment in (withdrawn, other):
        with pytest.raises(ApplicationError):
            _record(operator, sessions[0], enrolment, 60)
    assert not Attendance.objects.exists()


def test_only_the_class_operator_may_record(
    operator, sessions, trainees, officer_yuzhong, municipal_admin, auditor
):
    stranger = UserFactory(operator=True)
    logged = StateChange.objects.count()
    for actor in (officer_yuzhong, municipal_admin, auditor, stranger):
        with pytest.raises(ApplicationError):
            _record(actor, sessions[0], trainees[0], 60)
    assert not Attendance.objects.exists()
    assert StateChange.objects.count() == logged


def test_attendance_is_open_while_approved_or_running_never_after_completion(
    operator, make_class, approve, officer_yuzhong
):
    draft = make_class(name="草稿班")
    draft_session = draft.sessions.first()
    with pytest.raises(ApplicationError):
        _record(operator, draft_session, enrol(draft, 1)[0], 60)

    approved = approve(make_class(name="已通过班"))
    enrolment = enrol(approved, 1)[0]
    session = approved.sessions.first()
    assert _record(operator, session, enrolment, 60).minutes == 60

    running = class_transition(training_class=approved, actor=operator, to=ClassStatus.RUNNING)
    assert _record(operator, session, enrolment, 90).minutes == 90

    from apps.trainees.services.results import result_record

    result_record(actor=operator, enrolment=enrolment, outcome="failed")
    class_transition(training_class=running, actor=operator, to=ClassStatus.COMPLETED)
    with pytest.raises(ApplicationError) as exc:
        _record(operator, session, enrolment, 120)
    assert "已结业" in exc.value.message
    assert Attendance.objects.get().minutes == 90


def test_save_many_counts_created_and_updated(operator, running_class, sessions, trainees):
    rows = [AttendanceRow(sessions[0], e.pk, e.person_id, 405, "offline") for e in trainees]
    first = attendance_save_many(
        actor=operator, training_class=running_class, rows=rows, source=MANUAL, reason="录入"
    )
    assert (first.created, first.updated) == (3, 0)
    again = attendance_save_many(
        actor=operator, training_class=running_class, rows=rows[:2], source=MANUAL, reason="录入"
    )
    assert (again.created, again.updated) == (0, 2)
    assert Attendance.objects.count() == 3
    last = list(state_changes_for(obj=running_class))[-1]
    assert last.reason == "录入：新增 0 条，更新 2 条出勤记录"


def test_save_many_refuses_the_same_trainee_twice_in_one_session(operator, running_class, sessions, trainees):
    row = AttendanceRow(sessions[0], trainees[0].pk, trainees[0].person_id, 405, "offline")
    with pytest.raises(ApplicationError):
        attendance_save_many(
            actor=operator, training_class=running_class, rows=[row, row], source=MANUAL, reason="x"
        )
    assert not Attendance.objects.exists()


# --- flags ------------------------------------------------------------------------------------


def _codes(attendance):
    attendance.refresh_from_db()
    return [f["code"] for f in attendance.flags]


@pytest.mark.parametrize(
    ("signed_in", "signed_out", "codes"),
    [
        ("08:45", "15:45", []),  # 15 minutes early: tolerated
        ("08:44", "15:45", ["outside_hours"]),  # 16 minutes early
        ("09:00", "16:00", []),  # 15 minutes late
        ("09:00", "16:01", ["outside_hours"]),
        ("08:00", "17:00", ["outside_hours", "outside_hours"]),
    ],
)
def test_outside_hours_flag(operator, sessions, trainees, signed_in, signed_out, codes):
    day = sessions[0].date  # 09:00–15:45
    attendance = _record(
        operator,
        sessions[0],
        trainees[0],
        None,
        signed_in_at=at(day, signed_in),
        signed_out_at=at(day, signed_out),
    )
    assert _codes(attendance) == codes
    assert all("15 分钟" in f["message"] for f in attendance.flags)


def test_sign_in_on_another_day_is_flagged(operator, sessions, trainees):
    attendance = _record(
        operator,
        sessions[0],
        trainees[0],
        60,
        signed_in_at=at(date(2026, 12, 4), "09:00"),
        signed_out_at=at(date(2026, 12, 4), "10:00"),
    )
    assert _codes(attendance) == ["outside_date"]
    assert attendance.flags[0]["message"] == "签到日期 2026-12-04 不是课次日期 2026-12-05"


def _second_class(make_class, approve, sessions):
    return approve(make_class(name="第二班", sessions=sessions))


def test_two_places_at_once_is_flagged_on_both_and_cleared_on_both(
    operator, make_class, approve, sessions, trainees
):
    # a second class with a session on 2026-12-05 14:00–17:00, overlapping 09:00–15:45
    other = _second_class(make_class, approve, [SessionInput(date(2026, 12, 5), time(14, 0), time(17, 0))])
    person = trainees[0].person
    there = EnrolmentFactory(training_class=other, person=person)
    here_attendance = _record(operator, sessions[0], trainees[0], 405)
    assert _codes(here_attendance) == []
    there_attendance = _record(operator, other.sessions.get(), there, 180)
    assert _codes(there_attendance) == ["overlap"]
    assert _codes(here_attendance) == ["overlap"]
    assert (
        there_attendance.flags[0]["message"]
        == f"同一时段另有出勤：2026-12-05 09:00–15:45（班级编号 {sessions[0].training_class_id}）"
    )
    # someone else in both classes at other times is not flagged
    assert _codes(_record(operator, sessions[0], trainees[1], 405)) == []

    # the trainee in fact left the first class at noon: no longer in two places at once
    day = sessions[0].date
    _record(
        operator,
        sessions[0],
        trainees[0],
        None,
        signed_in_at=at(day, "09:00"),
        signed_out_at=at(day, "12:00"),
    )
    assert _codes(here_attendance) == []
    assert _codes(there_attendance) == []


def test_absence_and_recorded_sessions_never_overlap(operator, make_class, approve, sessions, trainees):
    recorded = sessions[5]  # 12-16 19:00–21:15, recorded
    other = _second_class(
        make_class,
        approve,
        [
            SessionInput(date(2026, 12, 5), time(9, 0), time(12, 0)),
            SessionInput(date(2026, 12, 16), time(19, 0), time(21, 0), "live"),
        ],
    )
    there = EnrolmentFactory(training_class=other, person=trainees[0].person)
    other_sessions = list(other.sessions.order_by("date"))
    _record(operator, sessions[0], trainees[0], 0)
    _record(operator, recorded, trainees[0], 135)
    assert _codes(_record(operator, other_sessions[0], there, 180)) == []
    assert _codes(_record(operator, other_sessions[1], there, 120)) == []


def test_overlap_flags_keep_the_hours_flags(operator, make_class, approve, sessions, trainees):
    other = _second_class(make_class, approve, [SessionInput(date(2026, 12, 5), time(14, 0), time(17, 0))])
    there = EnrolmentFactory(training_class=other, person=trainees[0].person)
    day = sessions[0].date
    here = _record(
        operator,
        sessions[0],
        trainees[0],
        None,
        signed_in_at=at(day, "08:00"),
        signed_out_at=at(day, "15:45"),
    )
    _record(operator, other.sessions.get(), there, 180)
    assert _codes(here) == ["outside_hours", "overlap"]


# --- flags of a whole import (attendance_save_many) ---------------------------------------------


def _save(operator, training_class, rows):
    return attendance_save_many(
        actor=operator, training_class=training_class, rows=rows, source=MANUAL, reason="导入"
    )


def _flags(enrolment, session):
    return [f["message"] for f in Attendance.objects.get(enrolment=enrolment, session=session).flags]


def test_an_import_flags_its_own_overlapping_sessions_where_both_were_attended(operator, make_class, approve):
    day = date(2026, 12, 5)
    training_class = approve(
        make_class(
            name="重叠班",
            sessions=[
                SessionInput(day, time(9, 0), time(12, 0)),
                SessionInput(day, time(11, 0), time(13, 0)),
                SessionInput(day, time(14, 0), time(16, 0)),
            ],
        )
    )
    morning, noon, afternoon = training_class.sessions.order_by("start_time")
    a, b, c = enrol(training_class, 3)
    rows = [
        AttendanceRow(morning, a.pk, a.person_id, 180, "offline"),
        AttendanceRow(noon, a.pk, a.person_id, 120, "offline"),
        AttendanceRow(afternoon, a.pk, a.person_id, 120, "offline"),
        AttendanceRow(morning, b.pk, b.person_id, 180, "offline"),
        AttendanceRow(noon, b.pk, b.person_id, 0, "offline"),  # absent: no overlap
        AttendanceRow(morning, c.pk, c.person_id, 0, "offline"),
        AttendanceRow(noon, c.pk, c.person_id, 120, "offline"),
    ]
    assert _save(operator, training_class, rows).created == 7
    assert _flags(a, morning) == ["同一时段另有出勤：2026-12-05 11:00–13:00（本班）"]
    assert _flags(a, noon) == ["同一时段另有出勤：2026-12-05 09:00–12:00（本班）"]
    assert _flags(a, afternoon) == []
    assert [_flags(b, morning), _flags(b, noon), _flags(c, morning), _flags(c, noon)] == [[], [], [], []]


def test_sign_times_beyond_the_session_overlap_the_next_class_and_the_flags_go_when_corrected(
    operator, make_class, approve, running_class, sessions, trainees
):
    day = sessions[0].date  # 09:00–15:45 here; 16:00–18:00 in the second class
    other = _second_class(make_class, approve, [SessionInput(day, time(16, 0), time(18, 0))])
    a, b, _ = trainees
    there_a = EnrolmentFactory(training_class=other, person=a.person)
    there_b = EnrolmentFactory(training_class=other, person=b.person)
    evening = other.sessions.get()
    _save(
        operator,
        other,
        [
            AttendanceRow(evening, there_a.pk, a.person_id, 120, "offline"),
            AttendanceRow(evening, there_b.pk, b.person_id, 120, "offline"),
        ],
    )
    late, on_time = (at(day, "09:00"), at(day, "16:30")), (at(day, "09:00"), at(day, "15:50"))
    _save(
        operator,
        running_class,
        [
            AttendanceRow(sessions[0], a.pk, a.person_id, 405, "offline", *late),
            AttendanceRow(sessions[0], b.pk, b.person_id, 405, "offline", *on_time),
        ],
    )
    assert [f["code"] for f in Attendance.objects.get(enrolment=a).flags] == ["outside_hours", "overlap"]
    assert _flags(there_a, evening) == [
        f"同一时段另有出勤：2026-12-05 09:00–15:45（班级编号 {running_class.pk}）"
    ]
    assert _flags(b, sessions[0]) == [] and _flags(there_b, evening) == []

    # corrected: a signed out at 15:50 after all; both overlap flags go, in both classes
    _save(operator, running_class, [AttendanceRow(sessions[0], a.pk, a.person_id, 405, "offline", *on_time)])
    assert _flags(a, sessions[0]) == [] and _flags(there_a, evening) == []


def test_the_overlap_check_reads_the_same_queries_for_2_and_20_trainees(
    operator, make_class, approve, running_class, sessions
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # every trainee also attends a second class on 12-05, 14:00–17:00, overlapping 09:00–15:45
    other = _second_class(make_class, approve, [SessionInput(date(2026, 12, 5), time(14, 0), time(17, 0))])
    evening = other.sessions.get()

    def run(count):
        trainees = enrol(running_class, count)
        there = [EnrolmentFactory(training_class=other, person=t.person) for t in trainees]
        _save(operator, other, [AttendanceRow(evening, e.pk, e.person_id, 180, "offline") for e in there])
        rows = [AttendanceRow(s, t.pk, t.person_id, 60, s.mode) for s in sessions for t in trainees]
        with CaptureQueriesContext(connection) as queries:
            _save(operator, running_class, rows)
        assert all(
            _flags(t, sessions[0]) and _flags(e, evening) for t, e in zip(trainees, there, strict=True)
        )
        return [
            q["sql"] for q in queries.captured_queries if not q["sql"].startswith('INSERT INTO "trainees_at')
        ]

    # savepoint, lock, membership, spans by session, the rows of the overlapping sessions, counts
    # before and after (the upsert's batches aside), the other class's flags (one UPDATE), the
    # log line, release
    assert len(run(2)) == len(run(20)) == 10
