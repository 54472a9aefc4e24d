"""The hand-written SQL helpers of the hot paths: ``field__any`` and text arrays."""

from __future__ import annotations

import pytest
from django.db import connection

from phongdich.core.db import UNIT_SEPARATOR, text_array
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
