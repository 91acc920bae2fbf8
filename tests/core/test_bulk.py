"""apps.core.bulk: multi-row INSERTs and upserts of plain values. The suite runs on SQLite by
default and on PostgreSQL under `make test`; on PostgreSQL each case runs twice, by bound
parameters and through COPY."""

from datetime import date, datetime, time
from math import ceil

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from apps.classes.models import ClassSession
from apps.core import bulk
from apps.core.bulk import insert_rows, upsert_rows
from apps.core.models import StateChange
from apps.trainees.models import Attendance, Person, PersonGroup
from tests.trainees.roster_factories import (
    EnrolmentFactory,
    PersonFactory,
    TrainingClassFactory,
    nth_id_number,
)

pytestmark = pytest.mark.django_db
PATHS = ["parameters"] + (["copy"] if connection.vendor == "postgresql" else [])
PERSON = ("id_number", "name", "gender", "birth_date", "phone", "household_region")
ATTENDANCE = ("session", "enrolment", "minutes", "mode", "signed_in_at", "signed_out_at", "source", "flags")
# Text that COPY's text format must escape, and a bound parameter must carry as it is.
AWKWARD = "王\t五\n第二行\r\\N 'quoted' \"double\" 反斜杠\\ ✓"


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    monkeypatch.setattr(bulk, "COPY_MIN_ROWS", 1 if request.param == "copy" else 10**9)
    return request.param


@pytest.fixture
def session():
    training_class = TrainingClassFactory()
    return ClassSession.objects.create(
        training_class=training_class, date=date(2026, 12, 5), start_time=time(9), end_time=time(15, 45)
    )


@pytest.fixture
def enrolments(session):
    return [EnrolmentFactory(training_class=session.training_class) for _ in range(3)]


def _at(hh_mm):
    hour, minute = map(int, hh_mm.split(":"))
    return timezone.make_aware(datetime(2026, 12, 5, hour, minute))


class Statements:
    """The INSERTs run while in the block, each with its number of bound parameters."""

    def __init__(self):
        self.sql = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append((sql, len(params or ())))
        return execute(sql, params, many, context)

    def inserts(self, table):
        return [(sql, count) for sql, count in self.sql if sql.startswith(f'INSERT INTO "{table}"')]


def test_insert_writes_every_kind_of_value_and_sets_the_timestamps(path):
    before = timezone.now()
    insert_rows(
        Person,
        PERSON,
        [
            (nth_id_number(1), AWKWARD, "M", date(1970, 1, 1), "", ""),
            (nth_id_number(2), "李四", "F", date(1980, 2, 29), "023-63891234", "重庆市渝中区"),
        ],
    )
    after = timezone.now()
    first, second = Person.objects.order_by("pk")
    assert (first.name, first.birth_date, first.phone) == (AWKWARD, date(1970, 1, 1), "")
    assert (second.id_number, second.gender, second.birth_date, second.household_region) == (
        nth_id_number(2),
        "F",
        date(1980, 2, 29),
        "重庆市渝中区",
    )
    # one timestamp per call, on every row, created and updated alike
    assert before <= first.created_at == first.updated_at == second.created_at <= after


def test_insert_writes_json_text_and_null_foreign_keys(path):
    person = PersonFactory()
    changes = {"名单": [1, 2.5, None, True], "text": AWKWARD, "nested": {"a": []}}
    insert_rows(
        StateChange,
        ("content_type", "object_id", "actor", "from_state", "to_state", "reason", "changes"),
        [(1, str(person.pk), None, "", "enrolled", AWKWARD, changes), (1, "2", None, "a", "b", "", {})],
    )
    first, second = StateChange.objects.order_by("pk")
    assert (first.actor_id, first.reason, first.changes) == (None, AWKWARD, changes)
    assert (second.object_id, second.changes) == ("2", {})
    assert first.created_at == second.created_at  # auto_now_add, the one timestamp of the call


def test_insert_in_the_rows_order(path):
    numbers = [nth_id_number(n) for n in (5, 3, 9, 1)]
    insert_rows(Person, PERSON, [(n, f"学员{n[-4:]}", "M", date(1970, 1, 1), "", "") for n in numbers])
    assert list(Person.objects.order_by("pk").values_list("id_number", flat=True)) == numbers


def test_ignoring_conflicts_skips_the_existing_keys_only(path):
    kept = PersonFactory(name="张三")
    insert_rows(
        Person,
        PERSON,
        [
            (kept.id_number, "冒名", "M", date(1970, 1, 1), "", ""),
            (nth_id_number(77), "王五", "M", date(1970, 1, 1), "", ""),
        ],
        ignore_conflicts=True,
    )
    assert Person.objects.get(pk=kept.pk).name == "张三"
    assert Person.objects.get(id_number=nth_id_number(77)).name == "王五"
    insert_rows(PersonGroup, ("person", "group"), [(kept.pk, "veteran")], ignore_conflicts=True)
    insert_rows(
        PersonGroup, ("person", "group"), [(kept.pk, "veteran"), (kept.pk, "disabled")], ignore_conflicts=True
    )
    assert sorted(PersonGroup.objects.values_list("group", flat=True)) == ["disabled", "veteran"]


def test_without_ignoring_conflicts_a_duplicate_is_refused(path):
    kept = PersonFactory()
    with pytest.raises(IntegrityError):
        insert_rows(Person, PERSON, [(kept.id_number, "冒名", "M", date(1970, 1, 1), "", "")])


def test_upsert_inserts_new_keys_and_updates_existing_ones_keeping_created_at(path, session, enrolments):
    a, b, c = enrolments
    upsert_rows(
        Attendance,
        ATTENDANCE,
        [
            (session.pk, a.pk, 60, "offline", None, None, "manual", []),
            (session.pk, b.pk, 90, "offline", _at("09:00"), _at("10:30"), "sign_in_sheet", []),
        ],
        unique_fields=("session", "enrolment"),
    )
    created = {x.enrolment_id: x for x in Attendance.objects.all()}
    flags = [{"code": "outside_hours", "message": AWKWARD}]
    upsert_rows(
        Attendance,
        ATTENDANCE,
        [
            (session.pk, b.pk, 45, "live", _at("08:00"), _at("08:45"), "online_platform", flags),
            (session.pk, c.pk, 405, "offline", None, None, "manual", []),
        ],
        unique_fields=("session", "enrolment"),
    )
    saved = {x.enrolment_id: x for x in Attendance.objects.all()}
    assert len(saved) == 3
    assert saved[a.pk].minutes == 60 and saved[a.pk].updated_at == created[a.pk].updated_at
    updated = saved[b.pk]
    assert (updated.pk, updated.minutes, updated.mode, updated.source) == (
        created[b.pk].pk,
        45,
        "live",
        "online_platform",
    )
    assert (updated.signed_in_at, updated.signed_out_at, updated.flags) == (_at("08:00"), _at("08:45"), flags)
    assert updated.created_at == created[b.pk].created_at
    assert updated.updated_at > created[b.pk].updated_at
    assert saved[c.pk].created_at == saved[c.pk].updated_at == updated.updated_at


def test_upsert_updates_only_the_fields_named(path):
    kept = PersonFactory(name="张三", phone="")
    upsert_rows(
        Person,
        PERSON,
        [(kept.id_number, "冒名", "M", date(1970, 1, 1), "13800138000", "")],
        unique_fields=("id_number",),
        update_fields=("phone",),
    )
    kept.refresh_from_db()
    assert (kept.name, kept.phone) == ("张三", "13800138000")


def test_upsert_needs_its_key_among_the_fields():
    with pytest.raises(ValueError, match="unique_fields"):
        upsert_rows(Person, ("name",), [("张三",)], unique_fields=("id_number",))
    with pytest.raises(ValueError, match="update_fields"):
        upsert_rows(Person, ("id_number",), [("x",)], unique_fields=("id_number",), update_fields=("name",))


def test_statements_stay_under_the_parameter_limit(monkeypatch, session):
    monkeypatch.setattr(bulk, "COPY_MIN_ROWS", 10**9)
    enrolments = [EnrolmentFactory(training_class=session.training_class) for _ in range(25)]
    rows = [(session.pk, e.pk, 60, "offline", None, None, "manual", []) for e in enrolments]
    width = len(ATTENDANCE) + 2  # and created_at, updated_at
    for limit in (connection.features.max_query_params or bulk.POSTGRESQL_MAX_PARAMS, 7 * width + 3):
        monkeypatch.setattr(connection.features, "max_query_params", limit)
        statements = Statements()
        with connection.execute_wrapper(statements):
            upsert_rows(Attendance, ATTENDANCE, rows, unique_fields=("session", "enrolment"))
        inserts = statements.inserts("trainees_attendance")
        per_statement = min(bulk.ROWS_PER_STATEMENT, limit // width)
        assert len(inserts) == ceil(len(rows) / per_statement)
        assert all(count <= limit for _, count in inserts)
        assert inserts[0][1] == min(per_statement, len(rows)) * width
    assert Attendance.objects.count() == 25


def test_many_rows_go_through_copy_on_postgresql_and_parameters_on_sqlite():
    count = bulk.COPY_MIN_ROWS
    rows = [(nth_id_number(n), f"学员{n}", "M", date(1970, 1, 1), "", "") for n in range(2 * count)]
    statements = Statements()
    with connection.execute_wrapper(statements):
        insert_rows(Person, PERSON, rows[:count])
        # the staging table was dropped: a second write in the same transaction stages again
        insert_rows(Person, PERSON, rows[count:])
    staged = [sql for sql, _ in statements.sql if sql.startswith("CREATE TEMPORARY TABLE")]
    assert len(staged) == (2 if connection.vendor == "postgresql" else 0)
    assert Person.objects.count() == 2 * count


def test_nothing_to_write_runs_no_query(path):
    statements = Statements()
    with connection.execute_wrapper(statements):
        insert_rows(Person, PERSON, [])
        upsert_rows(Person, PERSON, [], unique_fields=("id_number",))
    assert statements.sql == []


def test_insert_returns_the_values_asked_of_the_rows_inserted(path):
    kept = PersonFactory()
    returned = insert_rows(
        Person,
        PERSON,
        [
            (kept.id_number, "冒名", "M", date(1970, 1, 1), "", ""),
            (nth_id_number(77), "王五", "M", date(1970, 1, 1), "", ""),
            (nth_id_number(78), "赵六", "F", date(1971, 1, 1), "", ""),
        ],
        ignore_conflicts=True,
        returning=("id_number", "id"),
    )
    assert sorted(returned) == sorted(
        Person.objects.exclude(pk=kept.pk).values_list("id_number", "id")
    )  # not the skipped one
    with pytest.raises(ValueError, match="plain fields"):
        insert_rows(
            Person,
            PERSON,
            [(nth_id_number(79), "x", "M", date(1970, 1, 1), "", "")],
            returning=("birth_date",),
        )


def test_insert_says_none_when_the_database_cannot_return(monkeypatch):
    # SQLite before 3.35 has no RETURNING: the caller looks the rows up instead.
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    rows = [(nth_id_number(77), "王五", "M", date(1970, 1, 1), "", "")]
    assert insert_rows(Person, PERSON, rows, returning=("id",)) is None
    assert Person.objects.get().name == "王五"
