"""The hand-written SQL helpers of the hot paths: ``field__any`` and text arrays."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongdich.core.db import UNIT_SEPARATOR, TextValues, text_array
from phongdich.geo.models import AdministrativeUnit


def test_text_array_joins_many_values_and_keeps_awkward_ones_as_a_list():
    assert text_array(["a", "", "b"]) == ("string_to_array(%s, chr(31))", f"a{UNIT_SEPARATOR}{UNIT_SEPARATOR}b")
    # One value (an empty string would split into no element at all) and values holding the separator.
    assert text_array([""]) == ("CAST(%s AS text[])", [""])
    assert text_array(["a", f"b{UNIT_SEPARATOR}c"]) == ("CAST(%s AS text[])", ["a", f"b{UNIT_SEPARATOR}c"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text arrays are PostgreSQL's")
@pytest.mark.parametrize("values", [["x", "", "y"], [""], ["one"], ["a", f"b{UNIT_SEPARATOR}c", ""]])
def test_text_arrays_arrive_intact_in_postgresql(db, values):
    expression, parameter = text_array(values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", [parameter])
        assert cursor.fetchone()[0] == values


def test_any_finds_the_same_rows_as_in(units):
    codes = ["06649", "06652", "no-such-unit", "06649"]
    by_any = set(AdministrativeUnit.objects.filter(code__any=codes).values_list("code", flat=True))
    by_in = set(AdministrativeUnit.objects.filter(code__in=codes).values_list("code", flat=True))
    assert by_any == by_in == {"06649", "06652"}
    assert not AdministrativeUnit.objects.filter(code__any=[]).exists()
    assert set(AdministrativeUnit.objects.filter(pk__any=[u.pk for u in AdministrativeUnit.objects.all()[:3]])) == set(
        AdministrativeUnit.objects.all()[:3]
    )


def test_any_takes_text_values_as_they_are_in_one_parameter(units):
    codes = TextValues(["06649", "06652", "no-such-unit", "it's"])
    with CaptureQueriesContext(connection) as queries:
        found = set(AdministrativeUnit.objects.filter(code__any=codes).values_list("code", flat=True))
    assert found == {"06649", "06652"}
    assert not AdministrativeUnit.objects.filter(code__any=TextValues()).exists()
    assert not AdministrativeUnit.objects.filter(code__any=TextValues(["no-such-unit"])).exists()
    if connection.vendor == "postgresql":
        # One array, not a placeholder a value: the statement is the same whatever the number of codes.
        assert "= ANY(string_to_array(" in queries[0]["sql"]
        assert queries[0]["sql"].count("06649") == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the hand-written inserts are PostgreSQL's")
def test_insert_parts_sends_the_values_django_would_send(db, commune_officer):
    """Plain values are taken as they are; that must equal Django's own preparation, field by field."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from phongdich.audit import services as audit
    from phongdich.audit.models import AuditAction
    from phongdich.checkins.models import CheckIn, CheckInMethod
    from phongdich.core.db import fetch_prepared, insert_parts

    now = timezone.now()
    checkin = CheckIn(
        uuid=uuid.uuid4(),
        checked_in_at=now - dt.timedelta(minutes=3),
        venue_id=7,
        person_id=None,
        phone="+84912345678",
        name="Nguyễn Văn An",
        method=CheckInMethod.DEVICE,
        recorded_by=commune_officer,
        received_at=now,
    )
    event = audit.build_event(commune_officer, AuditAction.CREATE, "checkin", checkin.uuid, detail={"method": "device"})
    for instance in (checkin, event):
        fields = [field for field in type(instance)._meta.local_concrete_fields if field.attname != "id"]
        expected = [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]
        sent = insert_parts(instance, connection).params
        assert len(sent) == len(expected)
        for field, value, wanted in zip(fields, sent, expected, strict=True):
            # Adapters (JSON, inet) are compared by what they wrap.
            assert getattr(value, "obj", value) == getattr(wanted, "obj", wanted), field.name
    # ... and PostgreSQL reads them back as they were given.
    parts = insert_parts(checkin, connection)
    stored = fetch_prepared(
        f"INSERT INTO {parts.table} ({parts.columns}) SELECT {parts.select_list} RETURNING uuid, checked_in_at, name",
        parts.params,
    )
    assert stored == [(checkin.uuid, checkin.checked_in_at, "Nguyễn Văn An")]
