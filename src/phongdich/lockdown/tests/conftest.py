"""Lockdown fixtures, built through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases
from phongdich.conftest import HA_KHANH, HA_LONG, HA_PHONG, MONG_CAI, MONG_CAI_COMMUNE, PROVINCE
from phongdich.lockdown import services
from phongdich.lockdown.models import LockdownZone

__all__ = ["HA_KHANH", "HA_LONG", "HA_PHONG", "MONG_CAI", "MONG_CAI_COMMUNE", "PROVINCE"]


@pytest.fixture
def epidemiologist(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, PROVINCE, username="cdc")


@pytest.fixture
def leader(units, make_account):
    return make_account(Role.LEADER, PROVINCE, username="lanh-dao")


def square(lon: float, lat: float, half: float = 0.005) -> dict[str, Any]:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def make_zone(actor: Any, *codes: str, days_ago: float = 1, ends_in: float | None = None, **extra: Any) -> LockdownZone:
    now = timezone.now()
    data = services.ZoneInput(
        name=extra.pop("name", "Phong tỏa thử"),
        starts_at=now - dt.timedelta(days=days_ago),
        ends_at=now + dt.timedelta(days=ends_in) if ends_in is not None else None,
        units=list(codes),
        **extra,
    )
    return services.create_zone(actor, data)


def open_case(actor: Any, person: Any, capture: Any, **extra: Any) -> Any:
    """Open a case by hand and run what happens after commit (the case_opened receivers)."""
    with capture(execute=True):
        case = cases.open_case(actor, cases.CaseInput(person=person.pk, sampled_on=timezone.localdate(), **extra))
    case.refresh_from_db()
    return case


def publish_level(admin: Any, code: str) -> int:
    """Assess one unit and take the result through the publication workflow (levels app); its level."""
    from phongdich.levels import services as levels

    assessment = levels.assess_unit(admin, code)
    levels.propose(admin, assessment.pk)
    levels.approve(admin, assessment.pk)
    levels.publish(admin, assessment.pk)
    return int(assessment.level)
