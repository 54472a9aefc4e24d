"""Daily report and directive fixtures, built through the real services."""

from __future__ import annotations

import pytest

from phongdich.accounts.roles import Role


@pytest.fixture
def ha_phong_officer(units, make_account):
    """Commune officer of Phường Hà Phong (06652, Hạ Long)."""
    return make_account(Role.COMMUNE_OFFICER, "06652", username="xa-ha-phong")


@pytest.fixture
def mong_cai_officer(units, make_account):
    """Commune officer of 06727 (Móng Cái district)."""
    return make_account(Role.COMMUNE_OFFICER, "06727", username="xa-mong-cai")


@pytest.fixture
def leader(units, make_account):
    return make_account(Role.LEADER, "22", username="lanh-dao")


@pytest.fixture
def client_for():
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
