"""Cases opened at the same moment (PostgreSQL: real row locks, real concurrent transactions).

These tests commit, so the database is flushed after them, migration data included; the module restores
that data when it is done, so tests that run later still find the seeded policies and value sets.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from phongdich.accounts.roles import Role
from phongdich.cases import services
from phongdich.cases.models import Case
from phongdich.testing import services as testing
from phongdich.testing.models import TestResult

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race to test"),
    pytest.mark.django_db(transaction=True),
]

TAKEN = dt.datetime(2021, 11, 3, 1, 30, tzinfo=dt.UTC)


def at_once(calls: list[Callable[[], object]]) -> list[BaseException]:
    """Run the calls in threads released together; the errors they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_case_numbers_stay_unique_when_opened_at_once(units, make_account, make_person):
    epidemiologist = make_account(Role.EPIDEMIOLOGIST, "22")
    persons = [make_person(epidemiologist) for _ in range(8)]

    def opener(person):
        return lambda: services.open_case(
            epidemiologist, services.CaseInput(person=person.pk, sampled_on=dt.date(2021, 11, 3))
        )

    assert at_once([opener(p) for p in persons]) == []
    assert sorted(Case.objects.values_list("sequence", flat=True)) == list(range(1, 9))


def test_two_positives_at_once_open_one_case(units, make_account, make_person):
    lab = make_account(Role.LAB_TECHNICIAN, "22")
    person = make_person(lab)

    def positive(hours):
        data = testing.SampleInput(
            person=person.pk, test_type="rt_pcr", taken_at=TAKEN + dt.timedelta(hours=hours), result="positive"
        )
        return lambda: testing.record_sample(lab, data)

    assert at_once([positive(n) for n in range(4)]) == []
    assert Case.objects.filter(person=person).count() == 1
    assert TestResult.objects.filter(result="positive").count() == 4
