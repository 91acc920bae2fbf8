"""Writing thousands of rows at once: multi-row INSERTs and upserts of plain values.

bulk_create builds a model instance per row and prepares every value through its field; for a
10,000-row roster or a 100,000-row attendance import that costs more than the database's own
work. Here a row is a tuple of plain values in the order of `fields`. Char, text, integer,
boolean and foreign-key values (pks) go in as given; the others (dates, datetimes, decimals,
JSON) through their field's get_db_prep_save, once per distinct value. None is NULL.

Timestamps stay right: the auto_now_add and auto_now fields a caller leaves out get one
`timezone.now()` per call on insert; when an upsert updates a row it sets the auto_now ones again
and leaves the auto_now_add ones (created_at) as they were.

Two ways to the database, the same INSERT … ON CONFLICT in the end (SQLite ≥ 3.24, PostgreSQL):
- bound parameters, in statements cut so that none binds more than the backend takes: SQLite's
  limit as Django states it (999, SQLITE_MAX_VARIABLE_NUMBER before SQLite 3.32) and
  PostgreSQL's 65,535 (a 16-bit count in the protocol's Bind message);
- on PostgreSQL with psycopg2, from COPY_MIN_ROWS rows: COPY into a temporary table, then one
  INSERT … SELECT. psycopg2 interpolates every parameter on the client and the server parses
  each as a literal: for 100,000 attendance rows 2.4 s, against 1.0 s through COPY.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any

from django.db import NotSupportedError, connection, models, transaction
from django.utils import timezone

ROWS_PER_STATEMENT = 1000
POSTGRESQL_MAX_PARAMS = 65_535
# Below this many rows the temporary table costs more than the parameters it saves.
COPY_MIN_ROWS = 2_000
STAGING_TABLE = "bulk_staging"
STAGING_ORDER = "bulk_row"
# Values these fields store as given (a ForeignKey's value is the pk).
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallAutoField",
        "SmallIntegerField",
        "TextField",
    }
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"

Row = Sequence[Any]


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Row],
    *,
    ignore_conflicts: bool = False,
    returning: Sequence[str] = (),
) -> list[tuple] | None:
    """INSERT the rows. With `ignore_conflicts`, a row that would break a unique constraint is
    skipped (ON CONFLICT DO NOTHING; NOT NULL and CHECK constraints still refuse).

    With `returning` (plain fields, e.g. ("id_number", "id")): those values of each row inserted
    (not of those skipped), in no particular order; None when the database cannot say (SQLite
    before 3.35), for the caller to look them up."""
    answers = connection.features.can_return_rows_from_bulk_insert or not returning
    returned = _write(
        model,
        fields,
        rows,
        unique_fields=None,
        update_fields=(),
        ignore_conflicts=ignore_conflicts,
        returning=returning if answers else (),
    )
    return returned if answers else None


def upsert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Row],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str] | None = None,
) -> None:
    """INSERT the rows; a row whose `unique_fields` (a unique constraint on exactly those fields)
    match an existing row updates it instead: its `update_fields` (by default every field given
    but the unique ones) and its auto_now fields. The rows must not repeat a key."""
    missing = [name for name in unique_fields if name not in fields]
    if missing:
        raise ValueError(f"unique_fields {missing} are not among the fields written")
    if update_fields is None:
        update_fields = [
            name
            for name in fields
            if name not in unique_fields and not getattr(model._meta.get_field(name), "auto_now_add", False)
        ]
    elif not set(update_fields) <= set(fields):
        raise ValueError(f"update_fields {sorted(set(update_fields) - set(fields))} are not written")
    _write(model, fields, rows, unique_fields=unique_fields, update_fields=update_fields)


def _write(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Row],
    *,
    unique_fields: Sequence[str] | None,
    update_fields: Sequence[str],
    ignore_conflicts: bool = False,
    returning: Sequence[str] = (),
) -> list[tuple]:
    if not rows:
        return []
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotSupportedError(f"apps.core.bulk writes to SQLite and PostgreSQL, not {connection.vendor}")
    meta = model._meta
    given = [_column_field(model, name) for name in fields]
    now = timezone.now()
    auto = [
        field
        for field in meta.concrete_fields
        if (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        and field.name not in fields
    ]
    columns = ", ".join(_quote(field) for field in [*given, *auto])
    if unique_fields is not None:
        updated = [_column_field(model, name) for name in update_fields]
        updated += [f for f in auto if getattr(f, "auto_now", False)]
        target = ", ".join(_quote(_column_field(model, name)) for name in unique_fields)
        sets = ", ".join(f"{_quote(f)} = EXCLUDED.{_quote(f)}" for f in updated)
        conflict = f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")  # nosec B608  # identifiers only
    else:
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    auto_values = [_auto_value(field, now) for field in auto]
    table = _quote(meta.db_table)
    returned = [_column_field(model, name) for name in returning]
    if any(field.get_internal_type() not in PLAIN_TYPES for field in returned):
        raise ValueError("returning takes plain fields (text, numbers, keys) only")
    tail = conflict + (" RETURNING " + ", ".join(_quote(f) for f in returned) if returned else "")
    write = _copy if _copies(len(rows)) else _execute
    return write(table, columns, given, auto, auto_values, rows, tail, bool(returned))


def _quote(field: models.Field[Any, Any] | str) -> str:
    """A column's (or a table's) name quoted for the database."""
    name = field if isinstance(field, str) else field.column
    assert name is not None, "a concrete field has a column"
    return connection.ops.quote_name(name)


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The concrete field ``name`` of the model (a column; a reverse relation is none)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _auto_value(field: models.Field, now: datetime) -> Any:
    if isinstance(field, models.DateTimeField):
        return now
    if isinstance(field, models.DateField):
        return timezone.localdate(now)
    return timezone.localtime(now).time()


def _copies(count: int) -> bool:
    if connection.vendor != "postgresql" or count < COPY_MIN_ROWS:
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return not is_psycopg3  # psycopg2's copy_expert; psycopg 3 binds parameters on the server


def _parameter(field: models.Field) -> Callable[[Any], Any] | None:
    """The field's value as a bound parameter, prepared once per distinct value (None: as given)."""
    if field.get_internal_type() in PLAIN_TYPES:
        return None
    cache: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        key = _key(value)
        try:
            return cache[key]
        except KeyError:
            cache[key] = prepared = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable and not JSON-like
            return field.get_db_prep_save(value, connection)

    return prepare


def _key(value: Any) -> Any:
    # The type too: 1 == True and 1 == 1.0, but JSON stores them differently.
    kind = value.__class__
    if kind is list or kind is dict:
        return kind, json.dumps(value, default=repr) if value else ""
    return kind, value


def _execute(
    table: str,
    columns: str,
    given: list[models.Field],
    auto: list[models.Field],
    auto_values: list[Any],
    rows: Sequence[Row],
    tail: str,
    returns: bool,
) -> list[tuple]:
    prepare = [_parameter(field) for field in given]
    constants = [
        field.get_db_prep_save(value, connection) for field, value in zip(auto, auto_values, strict=True)
    ]
    width = len(given) + len(auto)
    limit = connection.features.max_query_params or POSTGRESQL_MAX_PARAMS
    size = max(1, min(ROWS_PER_STATEMENT, limit // width))
    one = "(" + ", ".join(["%s"] * width) + ")"
    # Identifiers come from the model's meta, quoted; every value is a bound parameter.
    head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608  # nosec B608  # identifiers only
    plain = all(p is None for p in prepare)
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params: list[Any] = []
            for row in batch:
                if plain and len(row) == len(prepare):
                    params.extend(row)
                else:
                    params.extend(
                        [v if p is None or v is None else p(v) for v, p in zip(row, prepare, strict=True)]
                    )
                params.extend(constants)
            cursor.execute(head + ", ".join([one] * len(batch)) + tail, params)
            if returns:
                returned.extend(tuple(row) for row in cursor.fetchall())
    return returned


def _copy_text(value: Any) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return _COPY_NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_string(value: Any) -> str:
    return _COPY_NULL if value is None else str(value).translate(_COPY_ESCAPES)


def _copy_number(value: Any) -> str:
    return _COPY_NULL if value is None else str(value)


def _copy_field(field: models.Field) -> Callable[[Any], str]:
    """The field's value in COPY's text format: plain values directly, JSON dumped with the
    field's encoder, the others through get_db_prep_save; prepared once per distinct value."""
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField"):
        return _copy_string
    if kind in PLAIN_TYPES:
        return _copy_text if kind == "BooleanField" else _copy_number
    if kind == "DateField":  # mostly distinct (birth dates): ISO text directly, no cache

        def copy_date(value: Any) -> str:
            if value.__class__ is date:
                return value.isoformat()
            return _copy_text(field.get_db_prep_save(value, connection))

        return copy_date
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def convert(value: Any) -> str:
            return _COPY_NULL if value is None else json.dumps(value, cls=encoder).translate(_COPY_ESCAPES)

    else:

        def convert(value: Any) -> str:
            return _copy_text(field.get_db_prep_save(value, connection))

    cache: dict[Any, str] = {}

    def prepare(value: Any) -> str:
        if value is None:
            return _COPY_NULL
        key = _key(value)
        try:
            return cache[key]
        except KeyError:
            cache[key] = text = convert(value)
            return text
        except TypeError:
            return convert(value)

    return prepare


def _copy(
    table: str,
    columns: str,
    given: list[models.Field],
    auto: list[models.Field],
    auto_values: list[Any],
    rows: Sequence[Row],
    tail: str,
    returns: bool,
) -> list[tuple]:
    """COPY the rows into a temporary table shaped like the target's columns, then INSERT them
    from there in the rows' order (serial pks follow it), with the same conflict and RETURNING
    clauses."""
    prepare = [_copy_field(field) for field in given]
    constants = "".join("\t" + _copy_field(f)(value) for f, value in zip(auto, auto_values, strict=True))
    lines = [
        f"{number}\t" + "\t".join([p(v) for v, p in zip(row, prepare, strict=True)]) + constants
        for number, row in enumerate(rows)
    ]
    lines.append("")
    buffer = io.StringIO("\n".join(lines))
    staging, order = STAGING_TABLE, STAGING_ORDER
    # ON COMMIT DROP needs a transaction: outside one, the table would be gone after CREATE.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Identifiers only (the model's meta, quoted); the values travel by COPY.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT 0 AS {order}, {columns} FROM {table} WITH NO DATA"  # nosec B608  # identifiers only
        )
        cursor.cursor.copy_expert(f"COPY {staging} ({order}, {columns}) FROM STDIN", buffer)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} ORDER BY {order}{tail}"  # noqa: S608  # nosec B608  # identifiers only
        )
        returned = [tuple(row) for row in cursor.fetchall()] if returns else []
        cursor.execute(f"DROP TABLE {staging}")
    return returned
