"""The fair yardstick of an import benchmark: the least any import of the same file could cost, that
is merely reading the file (the benchmark times that itself) plus writing the same rows the import
wrote, bare, into a scratch table of the same columns (no index, no constraint, no check, no
transaction of the portal's): COPY on PostgreSQL, executemany on SQLite.

``bare_write(*models)`` takes the rows the import saved from each model's table (read back
untimed, in the database's own text form) and times writing them again into a temporary table
made like it, dropped afterwards. Call it right after the import, in the same run.
"""

import io
import time

from django.db import connection

BATCH = 10_000


def _columns(model) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def _bare_postgresql(model) -> float:
    table, columns = model._meta.db_table, ", ".join(f'"{c}"' for c in _columns(model))
    rows = io.StringIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY (SELECT {columns} FROM {table}) TO STDOUT", rows)  # noqa: S608 - model names
        cursor.execute(f"CREATE TEMP TABLE bare_{table} (LIKE {table})")
        try:
            rows.seek(0)
            started = time.perf_counter()
            cursor.cursor.copy_expert(f"COPY bare_{table} ({columns}) FROM STDIN", rows)
            return time.perf_counter() - started
        finally:
            cursor.execute(f"DROP TABLE bare_{table}")


def _bare_sqlite(model) -> float:
    table, names = model._meta.db_table, _columns(model)
    columns = ", ".join(f'"{c}"' for c in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - model names
        rows = cursor.fetchall()
        cursor.execute(f"CREATE TEMP TABLE bare_{table} AS SELECT {columns} FROM {table} WHERE 0")  # noqa: S608
        try:
            marks = ", ".join("%s" for _ in names)
            sql = f"INSERT INTO bare_{table} ({columns}) VALUES ({marks})"  # noqa: S608 - model names
            started = time.perf_counter()
            for first in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[first : first + BATCH])
            return time.perf_counter() - started
        finally:
            cursor.execute(f"DROP TABLE bare_{table}")


def bare_write(*models) -> float:
    """Seconds to write every row of these models' tables again, bare, into scratch tables."""
    write = _bare_postgresql if connection.vendor == "postgresql" else _bare_sqlite
    return sum(write(model) for model in models)


def how() -> str:
    return "COPY" if connection.vendor == "postgresql" else "executemany"
