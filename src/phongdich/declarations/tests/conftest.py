from __future__ import annotations

from typing import Any

import pytest

from phongdich.levels import services as levels
from phongdich.levels.models import Assessment


@pytest.fixture
def publish_level(province_admin: Any, district_officer: Any) -> Any:
    """``publish_level(code, level)``: a published level for a unit of Hạ Long (the engine is tested elsewhere)."""

    def publish(code: str, level: int) -> Assessment:
        result = levels.assess_unit(province_admin, code)
        Assessment.objects.filter(pk=result.pk).update(level=level)
        levels.propose(district_officer, result.pk)
        levels.approve(province_admin, result.pk)
        return levels.publish(province_admin, result.pk)

    return publish


@pytest.fixture
def client_for() -> Any:
    from django.test import Client

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
