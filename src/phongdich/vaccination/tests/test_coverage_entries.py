"""The coverage table's narrow copy of the vaccinated persons stays in step with doses and persons."""

from __future__ import annotations

import datetime as dt

from phongdich.people import services as people
from phongdich.vaccination import coverage_entries, services
from phongdich.vaccination.models import CoverageEntry, Vaccination

AZ = "EU/1/21/1529"
JANSSEN = "EU/1/20/1525"


def dose(actor, person, n, product, date):
    return services.record_vaccination(
        actor, services.VaccinationInput(person=person.pk, dose_number=n, product=product, date=date)
    )


def entry(person):
    found = CoverageEntry.objects.filter(person_id=person.pk).first()
    if found is None:
        return None
    return found.commune.code, found.date_of_birth, found.first_dose, found.full_course


def everything():
    return set(
        CoverageEntry.objects.values_list("person_id", "commune_id", "date_of_birth", "first_dose", "full_course")
    )


def test_entries_follow_doses_moves_merges_and_deletions(province_admin, make_person):
    born = dt.date(1980, 5, 4)
    person = make_person(province_admin, date_of_birth=born)
    assert entry(person) is None
    first = dose(province_admin, person, 1, AZ, dt.date(2021, 8, 2))
    assert entry(person) == ("06649", born, True, False)
    dose(province_admin, person, 2, AZ, dt.date(2021, 9, 6))
    assert entry(person) == ("06649", born, True, True)
    people.update_person(
        province_admin, person.pk, people.PersonInput(home_commune="06727", date_of_birth=dt.date(1980, 5, 5))
    )
    assert entry(person) == ("06727", dt.date(1980, 5, 5), True, True)

    single = make_person(province_admin, full_name="Trần Thị Bình")
    dose(province_admin, single, 1, JANSSEN, dt.date(2021, 8, 2))
    assert entry(single) == ("06649", dt.date(1985, 3, 12), True, True)
    survivor = make_person(province_admin, full_name="Trần Thị Bình", phone="")
    people.merge_persons(province_admin, survivor.pk, single.pk)
    assert entry(single) is None
    assert entry(survivor) == ("06649", dt.date(1985, 3, 12), True, True)

    Vaccination.objects.filter(person=person, dose_number=2).delete()
    assert entry(person)[2:] == (True, False)
    first.delete()
    assert entry(person) is None

    before = everything()
    assert coverage_entries.rebuild() == len(before)
    assert everything() == before


def test_the_coverage_benchmark_keeps_to_its_own_database(monkeypatch):
    from phongdich.vaccination import benchmarks

    monkeypatch.delenv("PHONGDICH_COVERAGE_BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@db.example:5433/phongdich")
    assert benchmarks.database_url(None) == "postgres://postgres@db.example:5433/phongdich_bench_vaccination"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    assert benchmarks.database_url(None) == "postgres://postgres@127.0.0.1:5432/phongdich_bench_vaccination"
    assert benchmarks.database_url("postgres://h/other") == "postgres://h/other"
    # Called without the command's coverage options (the certificates' own test): no coverage run.
    assert benchmarks.coverage_for_certificates({"count": 20}) == {}
    assert benchmarks.coverage_for_certificates({"coverage_scale": 1.0, "no_coverage": True}) == {}
