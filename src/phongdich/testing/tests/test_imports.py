"""Importing a laboratory's file: template, all-or-nothing, accepting the valid rows, re-import, XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from phongdich.accounts.roles import Role
from phongdich.cases.models import Case
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.people.models import Person
from phongdich.testing import imports
from phongdich.testing.models import Sample, TestResult


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "22", username="lab-cdc")


@pytest.fixture
def person(commune_officer, make_person, make_cccd):
    born = dt.date(1980, 5, 4)
    return make_person(commune_officer, date_of_birth=born, citizen_id=make_cccd(born, "male"))


def csv_file(rows, columns=imports.COLUMNS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def row(person, **fields):
    return {
        imports.CCCD: person.citizen_id,
        imports.BORN: person.date_of_birth.strftime("%d/%m/%Y"),
        imports.TYPE: "RT-PCR",
        imports.TAKEN: "03/11/2021 08:30",
        imports.RESULT: "Âm tính",
        imports.LAB: "CDC Quảng Ninh",
        **fields,
    }


def test_the_templates_have_the_columns(lab):
    text = imports.template_csv().decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == list(imports.COLUMNS)
    sheet = openpyxl.load_workbook(io.BytesIO(imports.template_xlsx())).active
    assert [cell.value for cell in sheet[1]] == list(imports.COLUMNS)


def test_a_clean_file_is_imported_and_a_positive_opens_a_case(lab, person, make_cccd):
    new_cccd = make_cccd(dt.date(1990, 1, 2), "female")
    content = csv_file(
        [
            row(person),
            row(person, **{imports.TAKEN: "04/11/2021 09:00", imports.RESULT: "Dương tính", imports.CT: "21,5"}),
            {
                imports.CCCD: new_cccd,
                imports.BORN: "02/01/1990",
                imports.NAME: "Trần Thị Mai",
                imports.SEX: "Nữ",
                imports.COMMUNE: "06652",
                imports.TYPE: "Test nhanh",
                imports.TAKEN: "2021-11-04 10:00",
                imports.RESULT: "Âm tính",
            },
        ]
    )
    result = imports.import_tests(lab, content)
    assert (result.rows, result.imported, result.persons_created, result.counts["positives"], result.errors) == (
        3,
        3,
        1,
        1,
        [],
    )
    assert result.stored
    positive = TestResult.objects.get(result="positive")
    assert str(positive.ct_value) == "21.50"
    assert positive.sample.taken_at == dt.datetime(2021, 11, 4, 2, 0, tzinfo=dt.UTC)
    assert Case.objects.get().source_result == positive
    assert Person.objects.get(citizen_id=new_cccd).home_commune.code == "06652"
    # The same file again: recognised, nothing new.
    again = imports.import_tests(lab, content)
    assert (again.imported, again.already, again.errors) == (0, 3, [])
    assert Sample.objects.count() == 3 and Case.objects.count() == 1


def test_a_file_with_errors_imports_nothing_unless_the_valid_rows_are_accepted(lab, person):
    content = csv_file(
        [
            row(person, **{imports.RESULT: "Dương tính"}),
            row(person, **{imports.TAKEN: "hôm qua"}),
            row(person, **{imports.BORN: "01/01/1999"}),
            row(person, **{imports.TYPE: "máu", imports.RESULT: "?"}),
            {
                imports.CCCD: "001099000001",
                imports.BORN: "01/01/1999",
                imports.TYPE: "PCR",
                imports.TAKEN: "03/11/2021",
                imports.RESULT: "+",
            },
            row(person, **{imports.TAKEN: "03/11/2099 08:00"}),
        ]
    )
    result = imports.import_tests(lab, content)
    assert not result.stored
    assert result.imported == 0
    assert {(e.line, e.column) for e in result.errors} == {
        (3, imports.TAKEN),
        (4, imports.BORN),
        (5, imports.TYPE),
        (5, imports.RESULT),
        (6, imports.CCCD),
        (7, imports.TAKEN),
    }
    assert result.error_lines == 5
    assert not Sample.objects.exists() and not Case.objects.exists()
    accepted = imports.import_tests(lab, content, accept_valid_rows=True)
    assert accepted.stored and accepted.imported == 1
    assert Sample.objects.count() == 1 and Case.objects.count() == 1


def test_an_xlsx_file(lab, person):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(imports.COLUMNS))
    values = row(person, **{imports.TAKEN: dt.datetime(2021, 11, 3, 8, 30)})
    sheet.append([values.get(column, "") for column in imports.COLUMNS])
    out = io.BytesIO()
    book.save(out)
    result = imports.import_tests(lab, out.getvalue())
    assert (result.imported, result.errors) == (1, [])
    assert Sample.objects.get().taken_at == dt.datetime(2021, 11, 3, 1, 30, tzinfo=dt.UTC)


def test_bad_files_are_refused(lab):
    with pytest.raises(InvalidInput):
        imports.import_tests(lab, b"a,b\n1,2\n")
    with pytest.raises(InvalidInput):
        imports.import_tests(lab, b"\xff\xfe\x00bad")
    with pytest.raises(InvalidInput):
        imports.import_tests(lab, b"PK\x03\x04 not a zip")


def test_only_roles_that_enter_results_may_import(units, make_account, person):
    with pytest.raises(NotFound):
        imports.import_tests(make_account(Role.DISTRICT_OFFICER, "193"), csv_file([row(person)]))
