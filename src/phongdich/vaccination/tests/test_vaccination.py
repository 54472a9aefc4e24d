"""Vaccination records: validation, full-course rules, scope, coverage figures, file import, screens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Person
from phongdich.vaccination import coverage, imports, services
from phongdich.vaccination.models import FullCourseRule, Vaccination, VaccineProduct

AZ = "EU/1/21/1529"
PFIZER = "EU/1/20/1528"
JANSSEN = "EU/1/20/1525"


@pytest.fixture
def vaccinator(units, make_account):
    return make_account(Role.VACCINATOR, "06649", username="vaccinator-ha-khanh")


@pytest.fixture
def person(vaccinator, make_person, make_cccd):
    born = dt.date(1980, 5, 4)
    return make_person(vaccinator, date_of_birth=born, citizen_id=make_cccd(born, "male"))


def dose(actor, person, n, product, date, **kw):
    return services.record_vaccination(
        actor, services.VaccinationInput(person=person.pk, dose_number=n, product=product, date=date, **kw)
    )


def field_errors(excinfo):
    return {e.field for e in excinfo.value.errors}


# --- The value set --------------------------------------------------------------------------------


def test_the_value_set_is_seeded_with_its_rules(db):
    assert VaccineProduct.objects.count() == 9
    janssen = VaccineProduct.objects.get(code=JANSSEN)
    assert janssen.manufacturer_code == "ORG-100001417"
    assert janssen.rule.doses == 1
    assert VaccineProduct.objects.get(code=PFIZER).vaccine_type == "1119349007"
    assert FullCourseRule.objects.get(product__code="CIGB-66").doses == 3
    assert FullCourseRule.objects.get(product__code=AZ).min_interval_days == 28
    assert services.find_product("astrazeneca").code == AZ
    assert services.find_product("  COMIRNATY (PFIZER-BIONTECH) ").code == PFIZER
    assert services.find_product("no such vaccine") is None


# --- Bad input: a field error and nothing stored --------------------------------------------------


def _rejects(actor, person, n, product, date, field):
    before = Vaccination.objects.count()
    with pytest.raises(InvalidInput) as excinfo:
        dose(actor, person, n, product, date)
    assert field in field_errors(excinfo)
    assert Vaccination.objects.count() == before


def test_a_dose_before_birth_is_rejected(vaccinator, person):
    _rejects(vaccinator, person, 1, PFIZER, dt.date(1979, 1, 1), "date")


def test_a_dose_in_the_future_is_rejected(vaccinator, person):
    _rejects(vaccinator, person, 1, PFIZER, dt.date.today() + dt.timedelta(days=2), "date")


def test_an_unknown_product_is_rejected(vaccinator, person):
    _rejects(vaccinator, person, 1, "Vắc xin lạ", dt.date(2021, 8, 1), "product")


def test_a_second_dose_without_a_first_is_rejected(vaccinator, person):
    _rejects(vaccinator, person, 2, PFIZER, dt.date(2021, 8, 1), "dose_number")


def test_a_duplicate_dose_number_is_rejected(vaccinator, person):
    dose(vaccinator, person, 1, PFIZER, dt.date(2021, 8, 1))
    _rejects(vaccinator, person, 1, PFIZER, dt.date(2021, 9, 1), "dose_number")


def test_dose_two_before_dose_one_is_rejected(vaccinator, person):
    dose(vaccinator, person, 1, PFIZER, dt.date(2021, 8, 1))
    _rejects(vaccinator, person, 2, PFIZER, dt.date(2021, 7, 1), "date")


def test_dose_two_within_the_minimum_interval_is_rejected(vaccinator, person):
    dose(vaccinator, person, 1, AZ, dt.date(2021, 8, 1))
    _rejects(vaccinator, person, 2, AZ, dt.date(2021, 8, 28), "date")  # 27 days later; AZ needs 28
    dose(vaccinator, person, 2, AZ, dt.date(2021, 8, 29))


def test_the_api_names_the_field_and_stores_nothing(vaccinator, person, api_client):
    response = api_client(vaccinator).post(
        "/api/v1/vaccinations",
        {"person": person.pk, "dose_number": 1, "product": PFIZER, "date": "1970-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["date"]
    assert not Vaccination.objects.exists()


# --- Full-course rules ----------------------------------------------------------------------------


def test_one_janssen_dose_is_a_full_course(vaccinator, person):
    dose(vaccinator, person, 1, JANSSEN, dt.date(2021, 8, 1))
    status = services.vaccination_status(person)
    assert status.full_course and status.full_course_date == dt.date(2021, 8, 1)
    assert status.doses_for_full_course == 1 and status.boosters == 0
    booster = dose(vaccinator, person, 2, PFIZER, dt.date(2021, 12, 1))
    assert booster.is_booster
    assert services.vaccination_status(person).boosters == 1


def test_astrazeneca_needs_two_doses_and_a_third_is_a_booster(vaccinator, person):
    first = dose(vaccinator, person, 1, AZ, dt.date(2021, 6, 1))
    status = services.vaccination_status(person)
    assert status.has_first_dose and not status.full_course
    assert not first.completes_course
    second = dose(vaccinator, person, 2, AZ, dt.date(2021, 6, 29))
    assert second.completes_course and not second.is_booster
    assert services.vaccination_status(person).full_course_date == dt.date(2021, 6, 29)
    third = dose(vaccinator, person, 3, PFIZER, dt.date(2021, 12, 1))
    assert third.is_booster and not third.completes_course
    assert services.vaccination_status(person).boosters == 1


def test_mixed_products_complete_the_first_products_course(vaccinator, person):
    dose(vaccinator, person, 1, AZ, dt.date(2021, 6, 1))
    dose(vaccinator, person, 2, PFIZER, dt.date(2021, 7, 1))
    assert services.vaccination_status(person).full_course


def test_the_doses_read_is_audited(vaccinator, person):
    dose(vaccinator, person, 1, PFIZER, dt.date(2021, 8, 1))
    services.person_vaccinations(vaccinator, person.pk)
    assert AuditEvent.objects.filter(object_type="vaccination", action="view", actor=vaccinator).exists()


# --- Scope ----------------------------------------------------------------------------------------


def test_other_communes_officer_gets_404(vaccinator, person, make_account, api_client):
    dose(vaccinator, person, 1, PFIZER, dt.date(2021, 8, 1))
    other = make_account(Role.COMMUNE_OFFICER, "06727")
    client = api_client(other)
    assert client.get(f"/api/v1/vaccinations/status/{person.pk}").status_code == 404
    assert client.get(f"/api/v1/vaccinations?person={person.pk}").json()["count"] == 0
    other_vaccinator = make_account(Role.VACCINATOR, "06727")
    with pytest.raises(NotFound):
        dose(other_vaccinator, person, 2, PFIZER, dt.date(2021, 9, 1))
    own = make_account(Role.COMMUNE_OFFICER, "06649")
    body = api_client(own).get(f"/api/v1/vaccinations/status/{person.pk}").json()
    assert body["first_dose_date"] == "2021-08-01" and not body["full_course"]


def test_officers_may_not_record(person, commune_officer):
    with pytest.raises(NotFound):
        dose(commune_officer, person, 1, PFIZER, dt.date(2021, 8, 1))


def test_the_leader_gets_coverage_but_no_records(vaccinator, person, make_account, api_client):
    dose(vaccinator, person, 1, PFIZER, dt.date(2021, 8, 1))
    leader = make_account(Role.LEADER, "22")
    client = api_client(leader)
    assert client.get("/api/v1/vaccinations").json()["count"] == 0
    assert client.get(f"/api/v1/vaccinations/status/{person.pk}").status_code == 404
    figures = client.get("/api/v1/vaccinations/coverage")
    assert figures.status_code == 200
    province = figures.json()[0]
    assert province["code"] == "22"
    assert {b["band"]: b["first_dose"] for b in province["bands"]}["all"] == 1


def test_the_api_records_and_lists(vaccinator, person, api_client):
    client = api_client(vaccinator)
    created = client.post(
        "/api/v1/vaccinations",
        {"person": person.pk, "dose_number": 1, "product": "Janssen", "date": "2021-08-01", "lot": "XB123"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["completes_course"] is True
    listed = client.get(f"/api/v1/vaccinations?person={person.pk}").json()
    assert [item["lot"] for item in listed["items"]] == ["XB123"]
    assert AuditEvent.objects.filter(object_type="vaccination", action="list").exists()


# --- Coverage -------------------------------------------------------------------------------------

TODAY = dt.date(2022, 1, 1)


@pytest.fixture
def population(units, vaccinator, make_person, make_account):
    AdministrativeUnit.objects.filter(code="06649").update(
        population=520,
        population_0_11=120,
        population_12_17=50,
        population_18_49=200,
        population_50_64=100,
        population_65_plus=50,
    )

    def person_born(born, commune="06649", actor=vaccinator):
        return make_person(actor, date_of_birth=born, home_commune=commune)

    child = person_born(dt.date(2013, 6, 1))  # 8
    teen = person_born(dt.date(2006, 5, 1))  # 15
    adult = person_born(dt.date(1991, 3, 1))  # 30
    older = person_born(dt.date(1966, 7, 1))  # 55
    old = person_born(dt.date(1951, 2, 1))  # 70
    person_born(dt.date(2018, 5, 1))  # 3, not vaccinated
    dose(vaccinator, child, 1, PFIZER, dt.date(2021, 11, 1))
    dose(vaccinator, teen, 1, PFIZER, dt.date(2021, 10, 1))
    dose(vaccinator, teen, 2, PFIZER, dt.date(2021, 10, 25))
    dose(vaccinator, adult, 1, JANSSEN, dt.date(2021, 7, 1))
    dose(vaccinator, older, 1, AZ, dt.date(2021, 6, 1))
    dose(vaccinator, older, 2, AZ, dt.date(2021, 7, 1))
    dose(vaccinator, old, 1, AZ, dt.date(2021, 9, 1))
    # A person of Hà Phong (same district, Hạ Long): counts for the district, not for Hà Khánh.
    other_vaccinator = make_account(Role.VACCINATOR, "06652")
    neighbour = person_born(dt.date(1982, 1, 1), commune="06652", actor=other_vaccinator)
    dose(other_vaccinator, neighbour, 1, PFIZER, dt.date(2021, 8, 1))


def _cells(rows, code):
    row = next(r for r in rows if r.unit.code == code)
    return {
        key: (cell.first_dose, cell.first_dose_pct, cell.full_course, cell.full_course_pct)
        for key, cell in row.cell_list()
    }


def test_coverage_on_a_small_population(population, province_admin):
    with CaptureQueriesContext(connection) as queries:
        rows = coverage.coverage(province_admin, TODAY)
    # The account's units, the units in scope with their census figures, one GROUP BY of the doses.
    assert len(queries.captured_queries) == 3
    assert _cells(rows, "06649") == {
        "5_11": (1, 1.4, 0, 0.0),  # 1 / round(120 × 7/12) = 1/70
        "12_17": (1, 2.0, 1, 2.0),  # 1/50
        "18_plus": (3, 0.9, 2, 0.6),  # 3/350, 2/350
        "50_plus": (2, 1.3, 1, 0.7),  # 2/150, 1/150
        "65_plus": (1, 2.0, 0, 0.0),  # 1/50
        "all": (5, 1.0, 3, 0.6),  # 5/520, 3/520
    }
    ha_long = _cells(rows, "193")
    assert (ha_long["18_plus"][0], ha_long["18_plus"][2]) == (4, 2)
    assert (ha_long["all"][0], ha_long["all"][2]) == (6, 3)
    province = _cells(rows, "22")
    assert (province["all"][0], province["all"][2]) == (6, 3)
    assert _cells(rows, "06652")["all"][0] == 1


def test_coverage_stays_in_the_accounts_units(population, commune_officer):
    rows = coverage.coverage(commune_officer, TODAY)
    assert [row.unit.code for row in rows] == ["06649"]


def test_denominators_are_derived_from_the_stored_bands():
    unit = AdministrativeUnit(
        population=100,
        population_0_11=12,
        population_12_17=8,
        population_18_49=50,
        population_50_64=20,
        population_65_plus=10,
    )
    assert coverage.denominators(unit) == {
        "5_11": 7,
        "12_17": 8,
        "18_plus": 80,
        "50_plus": 30,
        "65_plus": 10,
        "all": 100,
    }
    assert coverage.denominators(AdministrativeUnit())["18_plus"] is None


def test_citizens_see_no_coverage(units, make_account):
    assert not coverage.may_see_coverage(make_account(Role.CITIZEN))
    assert not coverage.may_see_coverage(make_account(Role.LAB_TECHNICIAN, "06649"))
    assert coverage.may_see_coverage(make_account(Role.LEADER, "22"))


# --- Import ---------------------------------------------------------------------------------------


def _csv(*rows):
    lines = [",".join(imports.COLUMNS)]
    lines += [",".join(row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def import_rows(person, make_cccd):
    new_born = dt.date(1990, 2, 3)
    return [
        # name, born, sex, cccd, phone, commune, dose, vaccine, lot, date, site
        ("", "04/05/1980", "", person.citizen_id, "", "", "1", "AstraZeneca", "A1", "01/06/2021", "Trạm Y tế"),
        ("", "04/05/1980", "", person.citizen_id, "", "", "2", "AstraZeneca", "A2", "01/07/2021", "Trạm Y tế"),
        (
            "Trần Thị Lan",
            "03/02/1990",
            "Nữ",
            make_cccd(new_born, "female"),
            "0912555111",
            "06649",
            "1",
            "Pfizer",
            "P1",
            "02/08/2021",
            "Trạm Y tế",
        ),
        ("", "04/05/1980", "", person.citizen_id, "", "", "3", "Vắc xin lạ", "X", "01/12/2021", ""),
        ("", "01/01/1999", "", "022099000777", "", "", "1", "Pfizer", "P2", "01/08/2021", ""),
    ]


def test_a_file_with_errors_stores_nothing(vaccinator, import_rows):
    persons = Person.objects.count()
    result = imports.import_vaccinations(vaccinator, _csv(*import_rows))
    assert result.rows == 5 and not result.stored and result.imported == 0
    assert {(e.line, e.column) for e in result.errors} == {(5, imports.VACCINE), (6, imports.CCCD)}
    assert not Vaccination.objects.exists()
    assert Person.objects.count() == persons


def test_accepting_the_valid_rows_stores_only_those(vaccinator, person, import_rows):
    persons = Person.objects.count()
    result = imports.import_vaccinations(vaccinator, _csv(*import_rows), accept_valid_rows=True)
    assert result.stored and result.imported == 3 and result.persons_created == 1
    assert result.error_lines == 2
    assert Vaccination.objects.count() == 3
    assert services.vaccination_status(person).full_course
    lan = Person.objects.get(full_name="Trần Thị Lan")
    assert lan.sex == "female" and Vaccination.objects.get(person=lan).lot == "P1"
    assert Person.objects.count() == persons + 1


def test_a_clean_file_is_imported_whole(vaccinator, person, import_rows):
    result = imports.import_vaccinations(vaccinator, _csv(*import_rows[:3]))
    assert result.stored and result.imported == 3 and not result.errors


def test_a_date_of_birth_that_disagrees_is_an_error(vaccinator, person):
    row = ("", "05/05/1980", "", person.citizen_id, "", "", "1", "Pfizer", "", "01/08/2021", "")
    result = imports.import_vaccinations(vaccinator, _csv(row))
    assert [(e.line, e.column) for e in result.errors] == [(2, imports.BORN)]


def test_a_file_without_the_columns_is_rejected(vaccinator):
    with pytest.raises(InvalidInput) as excinfo:
        imports.import_vaccinations(vaccinator, b"a,b\n1,2\n")
    assert field_errors(excinfo) == {"file"}


# --- Screens --------------------------------------------------------------------------------------


def _browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_entry_screen_finds_and_records(vaccinator, person):
    client = _browser(vaccinator)
    found = client.get(reverse("vaccination-entry"), {"q": person.citizen_id})
    assert found.status_code == 200 and person.full_name in found.content.decode()
    url = reverse("vaccination-person", args=[person.pk])
    bad = client.post(url, {"dose_number": 1, "product": PFIZER, "date": "1970-01-01"})
    assert bad.status_code == 200 and not Vaccination.objects.exists()
    good = client.post(url, {"dose_number": 1, "product": JANSSEN, "date": "2021-08-01", "lot": "J1"})
    assert good.status_code == 302
    assert services.vaccination_status(person).full_course


def test_the_import_screen_and_template(vaccinator, import_rows):
    client = _browser(vaccinator)
    template = client.get(reverse("vaccination-import-template"))
    assert template.content.decode("utf-8-sig").strip() == ",".join(imports.COLUMNS)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("tiem.csv", _csv(*import_rows), content_type="text/csv")
    response = client.post(reverse("vaccination-import"), {"file": upload})
    assert response.status_code == 200 and not Vaccination.objects.exists()


def test_the_coverage_screen_for_a_leader(population, make_account):
    client = _browser(make_account(Role.LEADER, "22"))
    page = client.get(reverse("vaccination-coverage"))
    assert page.status_code == 200
    exported = client.get(reverse("vaccination-coverage"), {"format": "csv"})
    assert exported.status_code == 200 and "06649" in exported.content.decode("utf-8-sig")
    assert client.get(reverse("vaccination-entry")).status_code == 404


def test_the_coverage_screen_is_not_for_citizens(units, make_account):
    assert _browser(make_account(Role.CITIZEN)).get(reverse("vaccination-coverage")).status_code == 404


@pytest.mark.parametrize("name", ["vaccination-entry", "vaccination-import", "vaccination-coverage"])
def test_the_screens_render_without_template_leftovers(province_admin, name):
    response = _browser(province_admin).get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "{#" not in page and "{%" not in page and "{{" not in page
    assert 'href="/vaccinations/coverage/"' in page


def _xlsx(*rows):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(imports.COLUMNS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_is_imported_like_a_csv(vaccinator, person):
    rows = [
        ("", dt.datetime(1980, 5, 4), "", person.citizen_id, "", "", 1, "Moderna", "M1", dt.datetime(2021, 6, 1), ""),
        ("", "04/05/1980", "", person.citizen_id, "", "", 2.0, "Moderna", "M2", "01/07/2021", ""),
    ]
    result = imports.import_vaccinations(vaccinator, _xlsx(*rows))
    assert result.stored and result.imported == 2, result.errors
    assert services.vaccination_status(person).full_course_date == dt.date(2021, 7, 1)


def test_an_xlsx_file_with_errors_stores_nothing(vaccinator, person):
    rows = [
        ("", "04/05/1980", "", person.citizen_id, "", "", 1, "Moderna", "M1", "01/06/2021", ""),
        ("", "04/05/1980", "", person.citizen_id, "", "", 2, "Moderna", "M2", "02/06/2021", ""),  # 1 day later
    ]
    result = imports.import_vaccinations(vaccinator, _xlsx(*rows))
    assert [(e.line, e.column) for e in result.errors] == [(3, imports.DATE)]
    assert not Vaccination.objects.exists()


def test_a_damaged_xlsx_is_a_file_error(vaccinator):
    with pytest.raises(InvalidInput) as excinfo:
        imports.import_vaccinations(vaccinator, b"PK\x03\x04 not really a zip")
    assert field_errors(excinfo) == {"file"}


def test_the_xlsx_template_and_export(vaccinator, population, make_account):
    import io

    import openpyxl

    template = _browser(vaccinator).get(reverse("vaccination-import-template"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == list(imports.COLUMNS)
    exported = _browser(make_account(Role.LEADER, "22")).get(reverse("vaccination-coverage"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    assert sheet.max_row == 1 + 6 * AdministrativeUnit.objects.count()


def test_merging_two_records_that_both_hold_a_dose_1_is_refused_cleanly(
    vaccinator, person, province_admin, make_person, english
):
    """Both records of one person hold "dose 1": the merge answers a named conflict and moves nothing."""
    from phongdich.core.errors import Conflict
    from phongdich.people import services as people

    twin = make_person(vaccinator, date_of_birth=person.date_of_birth)
    dose(vaccinator, person, 1, PFIZER, dt.date(2021, 8, 1))
    dose(vaccinator, twin, 1, PFIZER, dt.date(2021, 8, 2))
    with pytest.raises(Conflict) as excinfo:
        people.merge_persons(province_admin, person.pk, twin.pk)
    assert [e.field for e in excinfo.value.errors] == ["duplicate_id"]
    assert "vaccinations" in excinfo.value.detail
    assert Person.objects.filter(pk=twin.pk).exists()
    assert Vaccination.objects.filter(person=twin).count() == 1
