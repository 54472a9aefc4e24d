"""Daily figures kept incrementally: counters follow the real services, and a rebuild agrees with them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases
from phongdich.cases.models import Case
from phongdich.quarantine import services as quarantine
from phongdich.situation import stats
from phongdich.situation.models import COUNTERS, CommuneDayStat, CommuneTotal
from phongdich.situation.tests.helpers import days_ago, open_case, record_result
from phongdich.vaccination import services as vaccination

PFIZER = "EU/1/20/1528"


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "22", username="lab-situation")


@pytest.fixture
def epidemiologist(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc-situation")


def row(units, code, day):
    found = CommuneDayStat.objects.filter(commune=units[code], day=day).first()
    return {name: getattr(found, name) for name in COUNTERS} if found else dict.fromkeys(COUNTERS, 0)


def snapshot():
    return {(r.commune_id, r.day): {name: getattr(r, name) for name in COUNTERS} for r in CommuneDayStat.objects.all()}


def test_results_and_cases_are_counted_after_commit(
    units, lab, commune_officer, make_person, django_capture_on_commit_callbacks
):
    sick, well = make_person(commune_officer), make_person(commune_officer)
    day = days_ago(2)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        record_result(lab, sick, "positive", day)
    # Nothing is counted before the transaction commits (a rolled-back write must leave no trace).
    assert row(units, "06649", day)["tests"] == 0
    for callback in pending:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        record_result(lab, well, "negative", day)
    counters = row(units, "06649", day)
    assert counters["tests"] == 2
    assert counters["positives"] == 1
    assert counters["cases_community"] == 1
    assert counters["cases_in_quarantine"] == 0
    assert row(units, "06652", day)["tests"] == 0


def test_onset_outcome_and_voiding_move_the_counters(
    units, lab, epidemiologist, commune_officer, make_person, django_capture_on_commit_callbacks
):
    first, second = make_person(commune_officer), make_person(commune_officer)
    confirmed, onset, died = days_ago(5), days_ago(7), days_ago(1)
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(lab, first, confirmed)
        other = open_case(lab, second, confirmed)
    assert row(units, "06649", confirmed)["cases_community"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        cases.update_case(commune_officer, case.pk, {"onset_date": onset})
    assert row(units, "06649", onset)["onset_community"] == 1
    # The onset moves: the day it left is recomputed too.
    with django_capture_on_commit_callbacks(execute=True):
        cases.update_case(commune_officer, case.pk, {"onset_date": onset + dt.timedelta(days=1)})
    assert row(units, "06649", onset)["onset_community"] == 0
    assert row(units, "06649", onset + dt.timedelta(days=1))["onset_community"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        cases.update_case(commune_officer, case.pk, {"outcome": "died", "outcome_date": died})
    assert row(units, "06649", died)["deaths"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        cases.void_case(epidemiologist, other.pk, "Entered twice")
    assert row(units, "06649", confirmed)["cases_community"] == 1


def test_a_case_found_in_quarantine_is_counted_apart(
    units, lab, commune_officer, make_person, django_capture_on_commit_callbacks
):
    person = make_person(commune_officer)
    day = days_ago(1)
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(lab, person, day)
        cases.mark_detected_in_quarantine(Case.objects.get(pk=case.pk))
    counters = row(units, "06649", day)
    assert (counters["cases_community"], counters["cases_in_quarantine"]) == (0, 1)


def test_doses_and_orders_are_counted(
    units, make_account, commune_officer, make_person, django_capture_on_commit_callbacks
):
    vaccinator = make_account(Role.VACCINATOR, "06649", username="vaccinator-situation")
    person = make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))
    first, second = days_ago(40), days_ago(10)
    with django_capture_on_commit_callbacks(execute=True):
        for number, day in ((1, first), (2, second)):
            data = vaccination.VaccinationInput(person=person.pk, dose_number=number, product=PFIZER, date=day)
            vaccination.record_vaccination(vaccinator, data)
        quarantine.issue_order(
            commune_officer, quarantine.OrderInput(person=person.pk, reason="f1_of_case", start=days_ago(3))
        )
    assert (row(units, "06649", first)["doses"], row(units, "06649", first)["first_doses"]) == (1, 1)
    assert (row(units, "06649", second)["doses"], row(units, "06649", second)["full_courses"]) == (1, 1)
    assert row(units, "06649", days_ago(3))["quarantine_started"] == 1
    total = CommuneTotal.objects.get(commune=units["06649"])
    assert (total.first_doses, total.full_courses, total.cases) == (1, 1, 0)
    figures = stats.daily_figures(units["193"], days_ago(3))
    assert figures["quarantine_started"] == 1
    assert figures["f1_in_quarantine"] == 1


def test_the_rebuild_equals_the_incremental_result(
    units, lab, epidemiologist, commune_officer, make_account, make_person, django_capture_on_commit_callbacks
):
    other_officer = make_account(Role.COMMUNE_OFFICER, "06652", username="officer-06652")
    people = [make_person(commune_officer) for _ in range(3)] + [
        make_person(other_officer, home_commune="06652") for _ in range(2)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for index, person in enumerate(people):
            case = open_case(lab, person, days_ago(index + 1))
            if index == 1:
                cases.update_case(commune_officer, case.pk, {"onset_date": days_ago(index + 3)})
            if index == 2:
                cases.void_case(epidemiologist, case.pk, "Wrong person")
        record_result(lab, people[0], "negative", days_ago(9))
    incremental = snapshot()
    assert sum(counters["cases_community"] for counters in incremental.values()) == 4
    CommuneDayStat.objects.all().delete()
    call_command("situation_rebuild", stdout=io.StringIO())
    assert snapshot() == incremental
    # Rebuilding only recent days keeps the older ones.
    stats.rebuild(since=days_ago(2))
    assert snapshot() == incremental


def test_the_periodic_refresh_repairs_a_lost_update(units, lab, commune_officer, make_person):
    person = make_person(commune_officer)
    # No on-commit callbacks run here: the incremental update is "lost".
    open_case(lab, person, days_ago(1))
    assert row(units, "06649", days_ago(1))["cases_community"] == 0
    stats.refresh_recent(days=2)
    assert row(units, "06649", days_ago(1))["cases_community"] == 1


def test_a_bad_date_to_the_rebuild_command_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("situation_rebuild", since="yesterday")
