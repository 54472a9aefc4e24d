"""Phone one-time codes: prove a person holds a phone, without an account (declarations, citizen sign-in).

``start_challenge`` sends a 6-digit code through ``phongdich.notify`` (template ``phone_code``, to the bare
number, on the channel configured for addresses: the console channel in the demo and tests) and returns the
challenge id; ``confirm_challenge`` checks the code and returns the phone (E.164).
A code is valid for 5 minutes and for one confirmation; 5 wrong attempts burn it; a phone gets at most 3 codes
in 15 minutes. Only a keyed hash of the code is stored with the challenge (``declarations.PhoneChallenge``);
the sent text is the notify outbox's, like any SMS. Logs name challenges by id only, never phone or code.

Call ``confirm_challenge`` outside the caller's transaction (or before anything else is written in it): a
wrong attempt is counted in its own transaction, and must stay counted when the caller's work is rolled back.

Tests read the code the way a person does, from the message that was sent: ``last_code_for_tests(phone)``
reads the newest ``phone_code`` message to that number in the notify message store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.core.errors import FieldError, InvalidInput
from phongdich.people import identity

logger = logging.getLogger(__name__)

CODE_VALID = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RATE_WINDOW = dt.timedelta(minutes=15)
MAX_CODES_PER_WINDOW = 3
TEMPLATE = "phone_code"
PURPOSE_MAX = 32


class TooManyCodes(InvalidInput):
    """The phone asked for too many codes lately (HTTP 429)."""

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, errors)
        self.status = 429


def _phone_error(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError("phone", message)])


def _code_error(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError("code", message)])


def normalise_mobile(raw: str) -> str:
    """A Vietnamese mobile number in E.164 ('0912 345 678' -> '+84912345678'); InvalidInput on ``phone``."""
    try:
        phone = identity.normalise_phone(raw or "")
    except identity.IdentityError as exc:
        raise _phone_error(str(exc)) from None
    # Vietnamese mobiles are +84 followed by 9 digits starting 3, 5, 7, 8 or 9.
    if not re.fullmatch(r"\+84[35789]\d{8}", phone):
        raise _phone_error(_("Enter a Vietnamese mobile number (10 digits, e.g. 0912 345 678)."))
    return phone


def _digest(challenge_id: uuid.UUID, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"phone-otp:{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > PURPOSE_MAX:
        raise ValueError("A purpose has 1 to 32 characters.")
    return purpose


def start_challenge(phone: str, purpose: str) -> str:
    """Send a code to the phone; the challenge id to confirm it with. InvalidInput on ``phone`` (429 if too many)."""
    from phongdich.declarations.models import PhoneChallenge
    from phongdich.notify.services import notify

    purpose = _check_purpose(purpose)
    number = normalise_mobile(phone)
    now = timezone.now()
    with transaction.atomic():
        recent = PhoneChallenge.objects.select_for_update().filter(phone=number, created_at__gte=now - RATE_WINDOW)
        if len(list(recent)) >= MAX_CODES_PER_WINDOW:
            raise TooManyCodes(
                _("Too many codes were sent to this phone. Try again in 15 minutes."),
                [FieldError("phone", _("Too many codes were sent to this phone. Try again in 15 minutes."))],
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        challenge = PhoneChallenge(phone=number, purpose=purpose, created_at=now, expires_at=now + CODE_VALID)
        challenge.code_hash = _digest(challenge.id, code)
        challenge.save(force_insert=True)
        notify(
            event_key=f"phone_code:{challenge.id}",
            template=TEMPLATE,
            context={"code": code, "minutes": int(CODE_VALID.total_seconds() // 60)},
            address=number,
        )
    logger.info("Phone challenge %s started for %s.", challenge.id, purpose)
    return str(challenge.id)


def confirm_challenge(challenge_id: str, code: str, purpose: str) -> str:
    """The phone the code was sent to, once; InvalidInput naming ``code`` (wrong, expired, used, burned)."""
    from phongdich.declarations.models import PhoneChallenge

    purpose = _check_purpose(purpose)
    code = (code or "").strip()
    try:
        key = uuid.UUID(str(challenge_id))
    except ValueError:
        raise _code_error(_("Ask for a new code.")) from None
    if not re.fullmatch(r"\d{6}", code):
        raise _code_error(_("The code has 6 digits."))
    now = timezone.now()
    with transaction.atomic():
        challenge = PhoneChallenge.objects.select_for_update().filter(pk=key, purpose=purpose).first()
        if challenge is None:
            raise _code_error(_("Ask for a new code."))
        if challenge.confirmed_at is not None:
            raise _code_error(_("This code was already used. Ask for a new code."))
        if challenge.burned or challenge.attempts >= MAX_ATTEMPTS:
            raise _code_error(_("Too many wrong attempts. Ask for a new code."))
        if challenge.expires_at <= now:
            raise _code_error(_("The code has expired. Ask for a new code."))
        if not hmac.compare_digest(challenge.code_hash, _digest(challenge.id, code)):
            challenge.attempts += 1
            challenge.burned = challenge.attempts >= MAX_ATTEMPTS
            challenge.save(update_fields=["attempts", "burned"])
            wrong = True
        else:
            challenge.confirmed_at = now
            challenge.save(update_fields=["confirmed_at"])
            wrong = False
    if wrong:
        logger.info("Phone challenge %s: wrong code.", challenge.id)
        if challenge.burned:
            raise _code_error(_("Too many wrong attempts. Ask for a new code."))
        raise _code_error(_("The code is not right."))
    return challenge.phone


def last_code_for_tests(phone: str) -> str:
    """The code in the newest ``phone_code`` message to this phone, read back from the notify message store."""
    from phongdich.notify.models import Message

    number = normalise_mobile(phone)
    message = Message.objects.filter(template=TEMPLATE, address=number).order_by("-created_at", "-id").first()
    if message is None:
        return ""
    found = re.search(r"\b(\d{6})\b", message.body)
    return found.group(1) if found else ""
