from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from phongdich.accounts import phone_otp
from phongdich.core.errors import InvalidInput
from phongdich.declarations.models import PhoneChallenge
from phongdich.notify.models import Message

# Messages belong to a unit: the province is loaded.
pytestmark = pytest.mark.usefixtures("units")


def _fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [item.field for item in error.value.errors]


def test_a_code_is_sent_confirmed_once_and_only_its_hash_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    challenge = phone_otp.start_challenge("0912 345 678", "declaration")
    message = Message.objects.get(template="phone_code")
    assert message.address == "+84912345678" and message.channel == "console"
    code = phone_otp.last_code_for_tests("0912345678")
    assert len(code) == 6 and code in message.body
    stored = PhoneChallenge.objects.get(pk=challenge)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert code not in caplog.text and "912345678" not in caplog.text
    assert phone_otp.confirm_challenge(challenge, code, "declaration") == "+84912345678"
    with pytest.raises(InvalidInput) as again:
        phone_otp.confirm_challenge(challenge, code, "declaration")
    assert _fields(again) == ["code"]


def test_a_code_is_for_its_purpose_only() -> None:
    challenge = phone_otp.start_challenge("0912345678", "declaration")
    code = phone_otp.last_code_for_tests("0912345678")
    with pytest.raises(InvalidInput):
        phone_otp.confirm_challenge(challenge, code, "sign_in")
    assert phone_otp.confirm_challenge(challenge, code, "declaration") == "+84912345678"


def test_five_wrong_attempts_burn_the_code() -> None:
    challenge = phone_otp.start_challenge("0912345678", "declaration")
    code = phone_otp.last_code_for_tests("0912345678")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _attempt in range(phone_otp.MAX_ATTEMPTS):
        with pytest.raises(InvalidInput) as refused:
            phone_otp.confirm_challenge(challenge, wrong, "declaration")
        assert _fields(refused) == ["code"]
    with pytest.raises(InvalidInput):
        phone_otp.confirm_challenge(challenge, code, "declaration")
    assert PhoneChallenge.objects.get(pk=challenge).burned


def test_a_code_expires_after_five_minutes() -> None:
    challenge = phone_otp.start_challenge("0912345678", "declaration")
    code = phone_otp.last_code_for_tests("0912345678")
    PhoneChallenge.objects.filter(pk=challenge).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvalidInput) as refused:
        phone_otp.confirm_challenge(challenge, code, "declaration")
    assert _fields(refused) == ["code"]


def test_at_most_three_codes_per_phone_in_fifteen_minutes() -> None:
    for _n in range(phone_otp.MAX_CODES_PER_WINDOW):
        phone_otp.start_challenge("0912345678", "declaration")
    with pytest.raises(phone_otp.TooManyCodes) as refused:
        phone_otp.start_challenge("0912 345 678", "declaration")
    assert refused.value.status == 429 and _fields(refused) == ["phone"]
    assert PhoneChallenge.objects.count() == phone_otp.MAX_CODES_PER_WINDOW
    # Another phone is not held back; nor is this one once the window has passed.
    phone_otp.start_challenge("0987654321", "declaration")
    PhoneChallenge.objects.update(created_at=timezone.now() - phone_otp.RATE_WINDOW - dt.timedelta(seconds=1))
    phone_otp.start_challenge("0912345678", "declaration")


@pytest.mark.parametrize("phone", ["", "12345", "0241234567", "+33612345678", "09123456789", "0912abc678"])
def test_only_vietnamese_mobiles_get_a_code(phone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        phone_otp.start_challenge(phone, "declaration")
    assert _fields(refused) == ["phone"]
    assert not PhoneChallenge.objects.exists() and not Message.objects.exists()


def test_a_malformed_challenge_or_code_is_refused_on_the_code() -> None:
    with pytest.raises(InvalidInput) as bad_id:
        phone_otp.confirm_challenge("not-a-uuid", "123456", "declaration")
    assert _fields(bad_id) == ["code"]
    challenge = phone_otp.start_challenge("0912345678", "declaration")
    with pytest.raises(InvalidInput) as short:
        phone_otp.confirm_challenge(challenge, "12a", "declaration")
    assert _fields(short) == ["code"]
    assert PhoneChallenge.objects.get(pk=challenge).attempts == 0
