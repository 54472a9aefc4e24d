"""Writing many rows fast, below the ORM: COPY on PostgreSQL, ``executemany`` on SQLite.

Rows are plain tuples of ints, strings and None (dates already as ISO text). Ids are given
explicitly, allocated from a block above every id the table has used, so a generator knows a
household's id before its members are written and can record the range it wrote.

The raw DB-API cursor is used on purpose: Django's debug cursor would log every parameter, and the
parameters here are names, ID numbers and phones.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class UnsupportedDatabase(RuntimeError):
    """Bulk generation is written for PostgreSQL and SQLite only."""


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pk_column(model: type[Model]) -> str:
    return model._meta.pk.column


class BulkWriter(ABC):
    """The operations a generator needs, for the current database. Use inside one transaction."""

    vendor = ""

    def lock(self, models: Sequence[type[Model]]) -> None:
        """Keep other writers out of these tables until the transaction ends, so allocated ids stay ours."""
        return None  # SQLite: its write transaction already excludes other writers.

    @abstractmethod
    def first_free_id(self, model: type[Model]) -> int:
        """The lowest id above every id in use and above the table's sequence."""

    def ids_used_up_to(self, model: type[Model], last_id: int) -> None:
        """Tell the database that ids up to ``last_id`` are taken, so later inserts continue after them."""
        return None  # Databases that take max(id) + 1 need nothing.

    @abstractmethod
    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Write the rows; the number written."""

    @abstractmethod
    def timestamp(self, value: dt.datetime) -> str:
        """An aware datetime as the text this database stores for a DateTimeField."""

    def delete_id_range(self, model: type[Model], first: int, last: int) -> int:
        """Delete rows by id range in one statement (the ORM would load every row to cascade)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_table(model)} WHERE {connection.ops.quote_name(_pk_column(model))} "  # noqa: S608
                "BETWEEN %s AND %s",
                [first, last],
            )
            return int(cursor.rowcount)

    def _max_id(self, model: type[Model]) -> int:
        pk = connection.ops.quote_name(_pk_column(model))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({pk}) FROM {_table(model)}")  # noqa: S608
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0


class PostgresWriter(BulkWriter):
    vendor = "postgresql"

    def lock(self, models: Sequence[type[Model]]) -> None:
        # SHARE ROW EXCLUSIVE: readers carry on, other inserts and updates wait for our commit.
        tables = ", ".join(_table(model) for model in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")

    def _sequence(self, model: type[Model]) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [_table(model), _pk_column(model)])
            row = cursor.fetchone()
        if not row or not row[0]:
            raise UnsupportedDatabase(f"{model._meta.db_table} has no id sequence.")
        return str(row[0])

    def first_free_id(self, model: type[Model]) -> int:
        # Above both the sequence and the largest id: ids of deleted rows are never handed out again,
        # so an audit entry naming an old id cannot come to mean a generated person.
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [self._sequence(model)])
            row = cursor.fetchone()
        assert row is not None
        return max(int(row[0]), self._max_id(model) + 1)

    def ids_used_up_to(self, model: type[Model], last_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s)", [self._sequence(model), last_id])

    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        connection.ensure_connection()
        column_list = ", ".join(connection.ops.quote_name(column) for column in columns)
        count = 0
        sql = f"COPY {_table(model)} ({column_list}) FROM STDIN"
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                count += 1
        return count

    def timestamp(self, value: dt.datetime) -> str:
        return value.isoformat()


class SqliteWriter(BulkWriter):
    vendor = "sqlite"

    def first_free_id(self, model: type[Model]) -> int:
        # Django declares SQLite ids AUTOINCREMENT: sqlite_sequence remembers ids of deleted rows.
        used = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
            if cursor.fetchone():
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
                row = cursor.fetchone()
                used = int(row[0]) if row and row[0] is not None else 0
        return max(used, self._max_id(model)) + 1

    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        connection.ensure_connection()
        column_list = ", ".join(connection.ops.quote_name(column) for column in columns)
        placeholders = ", ".join("?" for _ in columns)
        materialised = rows if isinstance(rows, list) else list(rows)
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {_table(model)} ({column_list}) VALUES ({placeholders})",  # noqa: S608
                materialised,
            )
        finally:
            cursor.close()
        return len(materialised)

    def timestamp(self, value: dt.datetime) -> str:
        return str(connection.ops.adapt_datetimefield_value(value))


def writer_for_connection() -> BulkWriter:
    if connection.vendor == "postgresql":
        return PostgresWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    raise UnsupportedDatabase(f"Synthetic data can be written to PostgreSQL or SQLite, not {connection.vendor}.")
