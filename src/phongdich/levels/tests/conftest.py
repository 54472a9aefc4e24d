"""Levels fixtures, built through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases
from phongdich.geo.models import AdministrativeUnit

HA_KHANH = "06649"
HA_PHONG = "06652"
HA_LONG = "193"
MONG_CAI = "06727"


@pytest.fixture
def epidemiologist(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


@pytest.fixture
def leader(units, make_account):
    return make_account(Role.LEADER, "22", username="lanh-dao")


def small_commune(code: str, population: int = 1000) -> AdministrativeUnit:
    """Give a commune small census figures (test data), so a handful of cases and doses move its level."""
    unit = AdministrativeUnit.objects.get(code=code)
    share = population // 10
    unit.population = population
    unit.population_0_11 = 2 * share
    unit.population_12_17 = share
    unit.population_18_49 = 4 * share
    unit.population_50_64 = 2 * share
    unit.population_65_plus = population - 9 * share
    unit.age_bands_estimated = False
    unit.save()
    return unit


def open_cases(
    actor: Any,
    make_person: Any,
    commune: str,
    count: int,
    *,
    detected_in: str = "community",
    confirmed_at: dt.datetime | None = None,
    **fields: Any,
) -> list[Any]:
    opened = []
    when = confirmed_at or timezone.now() - dt.timedelta(hours=1)
    for _index in range(count):
        person = make_person(actor, home_commune=commune)
        opened.append(
            cases.open_case(
                actor,
                cases.CaseInput(
                    person=person.pk,
                    sampled_on=timezone.localdate(when) - dt.timedelta(days=1),
                    confirmed_at=when,
                    detected_in=detected_in,
                    **fields,
                ),
            )
        )
    return opened
