"""Portal fixtures: photos stored in a temporary folder, a citizen with an account, a second commune's officer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from phongdich.accounts.roles import Role

HA_KHANH = "06649"
HA_PHONG = "06652"  # another commune of Hạ Long
MONG_CAI = "06727"  # a commune of another district


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """Each test starts with no codes counted against the test client's address (the cache outlives tests)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def citizen_person(commune_officer, make_person, make_cccd):
    """A person of Phường Hà Khánh with a mobile phone."""
    return make_person(
        commune_officer,
        full_name="Nguyễn Thị Lan",
        citizen_id=make_cccd(dt.date(1990, 4, 2), "female"),
        date_of_birth=dt.date(1990, 4, 2),
        sex="female",
        phone="0912 345 678",
    )


@pytest.fixture
def citizen(citizen_person, make_account):
    account = make_account(Role.CITIZEN, username="lan")
    account.person = citizen_person
    account.save()
    return account


@pytest.fixture
def other_officer(units, make_account):
    """A commune officer of Phường Hà Phong: same district, another commune."""
    return make_account(Role.COMMUNE_OFFICER, HA_PHONG, username="officer-ha-phong")
