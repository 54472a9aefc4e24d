"""Building declarations in tests through the real services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from phongdich.accounts import phone_otp
from phongdich.declarations import services
from phongdich.declarations.models import Declaration

PHONE = "0912345678"
PHONE_E164 = "+84912345678"


def entry(name: str = "Nguyễn Văn Hùng", year: int = 1985, sex: str = "male", **fields: Any) -> services.PersonEntry:
    return services.PersonEntry(full_name=name, birth_year=year, sex=sex, **fields)


def movement(to: str = "06649", **fields: Any) -> services.DeclarationInput:
    data: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "kind": "movement",
        "people": [entry()],
        "to_commune": to,
        "from_area": "31",
        "vehicle_kind": "car",
        "vehicle_plate": "14A12345",
        "purpose": "Về nhà",
    }
    data.update(fields)
    return services.DeclarationInput(**data)


def declare(data: services.DeclarationInput, phone: str = PHONE, at: dt.datetime | None = None) -> list[Declaration]:
    """A full submission: the code sent to the phone, read back from the message, then the declaration."""
    challenge = services.start_phone_check(phone)
    code = phone_otp.last_code_for_tests(phone)
    return services.submit_declaration(data, challenge_id=challenge, code=code, at=at)
