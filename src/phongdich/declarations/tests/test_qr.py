from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import InvalidInput
from phongdich.declarations.models import Declaration, DeclarationStatus
from phongdich.declarations.qr import PREFIX, declaration_qr_text, read_declaration_qr

from .helpers import declare, movement

pytestmark = pytest.mark.usefixtures("units")


def _refusal(text: str, at: dt.datetime | None = None) -> str:
    with pytest.raises(InvalidInput) as refused:
        read_declaration_qr(text, at=at)
    [error] = refused.value.errors
    assert error.field == "qr"
    return error.message


def test_the_qr_is_short_and_reads_back_what_was_declared() -> None:
    [declaration] = declare(movement())
    text = declaration_qr_text(declaration)
    assert text.startswith(PREFIX) and len(text) < 80
    claims = read_declaration_qr(text)
    assert claims.declaration_id == declaration.pk and claims.kind == "movement"
    assert claims.full_name == "Nguyễn Văn Hùng" and claims.phone_last4 == "5678"
    assert claims.from_unit_code == "31" and claims.from_unit_name == "Thành phố Hải Phòng"
    assert claims.from_level == 1 and claims.from_lockdown is False
    assert claims.to_commune_code == "06649" and claims.vehicle_plate == "14A-123.45"
    assert claims.symptoms is False and claims.contact_f0_f1 is False
    assert claims.valid_until == declaration.valid_until


def test_a_tampered_or_foreign_qr_is_refused_with_the_reason(english) -> None:
    [declaration] = declare(movement())
    text = declaration_qr_text(declaration)
    payload, signature = text[len(PREFIX) :].rsplit(":", 1)
    declaration_id, until = payload.split(".")
    forged = f"{PREFIX}{int(declaration_id) + 1}.{until}:{signature}"
    assert "altered" in _refusal(forged)
    longer = f"{PREFIX}{declaration_id}.{until}z:{signature}"
    assert "altered" in _refusal(longer)
    assert "altered" in _refusal(text[:-2] + ("AA" if not text.endswith("AA") else "BB"))
    assert "not a health declaration" in _refusal("PD1:12:abc")
    assert "not a health declaration" in _refusal("HC1:NCFOXN%TS3DH")
    assert "not a health declaration" in _refusal("https://example.org/qr")
    assert "not a health declaration" in _refusal("")


def test_an_expired_declaration_is_refused(english) -> None:
    [declaration] = declare(movement())
    text = declaration_qr_text(declaration)
    assert read_declaration_qr(text, at=declaration.valid_until - dt.timedelta(seconds=1))
    assert "expired" in _refusal(text, at=declaration.valid_until + dt.timedelta(seconds=1))
    assert "expired" in _refusal(text, at=timezone.now() + dt.timedelta(days=4))


def test_a_replaced_or_withdrawn_declaration_is_refused(english) -> None:
    [first] = declare(movement())
    old_text = declaration_qr_text(first)
    [second] = declare(movement())
    assert "replaced" in _refusal(old_text)
    assert read_declaration_qr(declaration_qr_text(second)).declaration_id == second.pk
    Declaration.objects.filter(pk=second.pk).update(status=DeclarationStatus.WITHDRAWN)
    assert "withdrawn" in _refusal(declaration_qr_text(second))
