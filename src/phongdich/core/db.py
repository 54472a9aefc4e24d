"""Small helpers for hand-written SQL on hot paths, built from the models so columns are never listed twice."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import In


@dataclass(frozen=True)
class InsertParts:
    table: str  # quoted
    columns: str  # quoted, comma-separated
    select_list: str  # typed placeholders, comma-separated
    params: list[Any]


def insert_parts(
    instance: models.Model, connection: BaseDatabaseWrapper, *, computed: dict[str, str] | None = None
) -> InsertParts:
    """What it takes to INSERT ``instance`` by hand: ``INSERT INTO {table} ({columns}) SELECT {select_list} …``.

    The values are those Django's own INSERT would send (defaults, pre_save, adaptation); each placeholder
    is cast to its column's type so it may stand in a SELECT list, where PostgreSQL would not otherwise
    know the type of a text parameter.
    """
    shape = _insert_shape(type(instance), connection.alias, getattr(instance, instance._meta.pk.attname) is None)
    computed = computed or {}
    select: list[str] = []
    params: list[Any] = []
    for field, placeholder, plain in zip(shape.fields, shape.placeholders, shape.plain, strict=True):
        if field.attname in computed:
            # Some columns take an SQL expression instead of the instance's value (e.g. the id a CTE returned).
            select.append(computed[field.attname])
            continue
        select.append(placeholder)
        value = getattr(instance, field.attname) if plain else _UNSET
        if not (value is None or type(value) in _AS_IS or (type(value) is dt.datetime and value.tzinfo is not None)):
            value = field.get_db_prep_save(field.pre_save(instance, add=True), connection)
        params.append(value)
    select_list = shape.select_list if not computed else ", ".join(select)
    return InsertParts(shape.table, shape.columns, select_list, params)


# Values that Django's preparation would pass through unchanged on PostgreSQL, for fields without a pre_save of
# their own: taking them as they are saves most of the cost of building a hot statement's parameters.
_AS_IS = frozenset({str, int, bool, float, uuid.UUID})
_UNSET = object()


def _plain(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> bool:
    """Whether the field's stored value is its attribute as it is (when of a type in ``_AS_IS``)."""
    if connection.vendor != "postgresql":
        return False
    if isinstance(field, models.DateField):
        return not (field.auto_now or field.auto_now_add)
    plain_kinds = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.FloatField)
    return type(field).pre_save is models.Field.pre_save and isinstance(
        field, (*plain_kinds, models.UUIDField, models.ForeignKey)
    )


@dataclass(frozen=True)
class _InsertShape:
    table: str
    columns: str
    select_list: str
    fields: tuple[models.Field[Any, Any], ...]
    placeholders: tuple[str, ...]
    plain: tuple[bool, ...]


@functools.cache
def _insert_shape(model: type[models.Model], alias: str, without_auto_key: bool) -> _InsertShape:
    """The statement's fixed part, once per model: composing it cost more than the insert it serves."""
    from django.db import connections

    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = tuple(field for field in meta.local_concrete_fields if not (without_auto_key and field is meta.auto_field))
    placeholders = tuple(f"CAST(%s AS {field.db_type(connection)})" for field in fields)
    return _InsertShape(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        select_list=", ".join(placeholders),
        fields=fields,
        placeholders=placeholders,
        plain=tuple(_plain(field, connection) for field in fields),
    )


def fetch_prepared(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple[Any, ...]]:
    """Run a hot statement as a server-side prepared statement (PostgreSQL): its rows.

    Django binds parameters on the client, so PostgreSQL parses and plans every statement again, and the
    client quotes every value into the text; for a statement run a thousand times a second both cost more
    than the work. psycopg prepares the statement on this connection the first time and then sends only
    the values. It runs in the connection's current transaction, errors come as Django's exceptions,
    and Django's query log (debug pages, tests counting queries) sees it. Other databases run it through
    Django's cursor, so callers need no branch of their own.
    """
    import psycopg
    from django.db import connections
    from psycopg import pq

    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            plain.execute(sql, params)
            return list(plain.fetchall()) if plain.description is not None else []
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        # The result's status, not cursor.description, which builds column objects on every call.
        result = cursor.pgresult
        rows = cursor.fetchall() if result is not None and result.status == pq.ExecStatus.TUPLES_OK else []
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} [prepared]", "time": "?"})
    return rows


def fetch_rows(queryset: models.QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list()`` of integer and text columns, fetched at once.

    Iterating a queryset fetches 100 rows at a time and converts each value; for the thousands of venues and
    people a device batch names, that cost more than the query. Only for columns Django does not convert
    on reading (integers, text): other values come back as the driver gives them.
    """
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # e.g. .none(): nothing to ask
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


UNIT_SEPARATOR = "\x1f"


def text_array(values: Sequence[str]) -> tuple[str, object]:
    """(SQL expression, parameter) standing for a PostgreSQL text[] of ``values``.

    psycopg adapts a list of strings element by element, quoting each (tens of milliseconds for a device
    batch of 10,000); joining them into one string that PostgreSQL splits takes microseconds. A lone value
    or one holding the separator goes as a plain list.
    """
    if len(values) > 1 and not any(UNIT_SEPARATOR in value for value in values):
        return "string_to_array(%s, chr(31))", UNIT_SEPARATOR.join(values)
    return "CAST(%s AS text[])", list(values)


class TextValues(frozenset[str]):
    """Strings for ``field__any`` that are already the text column's values: passed through as they are.

    Django prepares a list's values one by one, twice (tens of milliseconds for a device batch's 10,000);
    being neither list nor tuple, this set is left alone, and :class:`AnyOf` sends it as one array.
    """


class AnyOf(In):
    """``field__any=values``: on PostgreSQL ``field = ANY(%s)``, one array parameter however many values.

    A device batch looks up thousands of codes at once; ``__in`` would send one placeholder per value,
    and composing and parsing that statement costs more than running it. Elsewhere it is ``__in``.
    """

    lookup_name = "any"

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, TextValues):
            return self.rhs
        return super().get_prep_lookup()

    def as_postgresql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if isinstance(self.rhs, TextValues) and self.rhs:
            array, parameter = text_array(list(self.rhs))
            return f"{lhs} = ANY({array})", [*lhs_params, parameter]
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs if value is not None]
        if values and all(isinstance(value, str) for value in values):
            array, parameter = text_array(values)
            return f"{lhs} = ANY({array})", [*lhs_params, parameter]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]
