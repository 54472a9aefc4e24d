"""Checkpoint fixtures, built through the real services (checkpoints, declarations, levels, certificates)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.checkpoints import services
from phongdich.checkpoints.models import Checkpoint

HA_LONG = "193"
HA_KHANH = "06649"  # destination of the travellers
HA_PHONG = "06652"  # an origin commune
DAI_YEN = "06706"  # where the checkpoint stands
PHONE = "0912345678"


@pytest.fixture
def officer(units, make_account):
    return make_account(Role.CHECKPOINT_OFFICER, HA_LONG, username="chot-1")


@pytest.fixture
def checkpoint(province_admin, officer) -> Checkpoint:
    return services.save_checkpoint(
        province_admin,
        services.CheckpointInput(code="cau-bach-dang", name="Cầu Bạch Đằng", commune=DAI_YEN, officers=["chot-1"]),
    )


@pytest.fixture
def declare(units) -> Callable[..., Any]:
    """``declare(from_unit=…, symptoms=…, contact=…)``: a confirmed movement declaration into Hà Khánh; its QR."""
    from phongdich.declarations import services as declarations
    from phongdich.declarations.qr import declaration_qr_text

    def make(
        *,
        from_unit: str = "",
        from_area: str = "",
        symptoms: tuple[str, ...] = (),
        contact: bool = False,
        name: str = "Nguyễn Văn An",
        citizen_id: str = "",
        birth_year: int = 1990,
        at: dt.datetime | None = None,
    ) -> str:
        data = declarations.DeclarationInput(
            submission_id=str(uuid.uuid4()),
            kind="movement",
            people=[
                declarations.PersonEntry(
                    full_name=name, birth_year=birth_year, sex="male", symptoms=symptoms, citizen_id=citizen_id
                )
            ],
            to_commune=HA_KHANH,
            from_unit=from_unit,
            from_area=from_area,
            travel_date=timezone.localdate(at or timezone.now()),
            contact_f0_f1=contact,
        )
        [declaration] = declarations.store_confirmed(data, PHONE, at=at)
        return declaration_qr_text(declaration)

    return make


def publish_level(admin: Any, district: Any, code: str, level: int) -> None:
    """A published level for the unit (the computed result's level set by hand: the engine is tested elsewhere)."""
    from phongdich.levels import services as levels
    from phongdich.levels.models import Assessment

    result = levels.assess_unit(admin, code)
    Assessment.objects.filter(pk=result.pk).update(level=level)
    levels.propose(district, result.pk)
    levels.approve(admin, result.pk)
    levels.publish(admin, result.pk)


def scan(checkpoint: Checkpoint, officer: Any, text: str, **kwargs: Any) -> services.Decision:
    kwargs.setdefault("direction", "entry")
    kwargs.setdefault("at", timezone.now())
    return services.decide(checkpoint, text, actor=officer, **kwargs)
