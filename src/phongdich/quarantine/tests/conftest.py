"""Quarantine fixtures, built through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.quarantine import services
from phongdich.testing import services as testing


@pytest.fixture
def staff(units, make_account):
    """Quarantine staff of Phường Hà Khánh (06649), where the facility is."""
    return make_account(Role.QUARANTINE_STAFF, "06649", username="cachly-ha-khanh")


@pytest.fixture
def district(units, make_account):
    return make_account(Role.DISTRICT_OFFICER, "193", username="huyen-ha-long")


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "22", username="lab-cdc")


@pytest.fixture
def facility(district):
    made = services.create_facility(
        district, services.FacilityInput(name="Khu cách ly Hà Khánh", commune="06649", address="Tổ 1")
    )
    services.add_rooms(district, made.pk, {"101": 2, "102": 1})
    return made


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))


@pytest.fixture
def order(commune_officer, person):
    return services.issue_order(
        commune_officer, services.OrderInput(person=person.pk, reason="f1_of_case", start=timezone.localdate())
    )


def beds_of(facility: Any) -> list[Any]:
    return list(facility.beds.order_by("room__name", "label"))


def record_result(actor: Any, person: Any, value: str, taken_at: dt.datetime, test_type: str = "rt_pcr") -> Any:
    data = testing.SampleInput(
        person=person.pk,
        test_type=test_type,
        taken_at=taken_at,
        result=value,
        reported_at=taken_at + dt.timedelta(minutes=1),
    )
    return testing.record_sample(actor, data)
