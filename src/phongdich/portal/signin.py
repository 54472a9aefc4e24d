"""Citizen sign-in by a one-time code sent to the phone (``accounts.phone_otp``).

The confirmed phone is looked up in the registry: one person with that phone is signed in to their citizen
account, made (and linked to the person) if they have none; several persons sharing the phone (a family)
are told apart by the date of birth; no person: the citizen may register themselves (name, birth date,
citizen ID, home commune). Codes are throttled per phone by ``phone_otp`` (3 in 15 minutes, 5 wrong attempts
burn one) and per client address here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from phongdich.accounts import phone_otp
from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account
from phongdich.core.errors import FieldError, InvalidInput
from phongdich.people import services as people
from phongdich.people.models import Person

PURPOSE = "portal_signin"
# Codes one client address may ask for in an hour (a family, a shared phone shop), whatever the phones.
CODES_PER_ADDRESS_PER_HOUR = 10


def start(phone: str, client_address: str) -> str:
    """Send a sign-in code; the challenge id. InvalidInput on ``phone`` (429 when too many)."""
    key = f"portal:signin-codes:{client_address or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:
        sent = 1
    if sent > CODES_PER_ADDRESS_PER_HOUR:
        message = _("Too many codes were asked for from this connection. Try again in an hour.")
        raise phone_otp.TooManyCodes(message, [FieldError("phone", message)])
    return phone_otp.start_challenge(phone, PURPOSE)


def confirm(challenge_id: str, code: str) -> str:
    """The confirmed phone (E.164). InvalidInput naming ``code``."""
    return phone_otp.confirm_challenge(challenge_id, code, PURPOSE)


def persons_with_phone(phone: str) -> list[Person]:
    return list(Person.objects.filter(phone=phone).select_related("home_commune").order_by("id")[:10])


def account_for(person: Person) -> User:
    """The person's citizen account, made when missing (no password: they sign in by phone)."""
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(person=person).first()
        if existing is not None:
            if existing.role != Role.CITIZEN or not existing.is_active:
                # A staff account linked to a person, or a disabled one: never signed in through the portal.
                message = _("This phone cannot sign in here. Ask your commune health station.")
                raise InvalidInput(message, [FieldError("phone", message)])
            return existing
        user = create_account(f"cd-{person.pk}", role=Role.CITIZEN, full_name=person.full_name)
        user.person = person
        user.save(update_fields=["person"])
        return user


def choose(phone: str, date_of_birth: dt.date | None) -> Person | None:
    """The one person with this phone (and birth date, when several share the phone), or None."""
    found = persons_with_phone(phone)
    if len(found) > 1 and date_of_birth is not None:
        found = [person for person in found if person.date_of_birth == date_of_birth]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Registration:
    full_name: str
    sex: str
    date_of_birth: dt.date | None
    home_commune: str
    citizen_id: str = ""
    address: str = ""


def _registrar() -> User:
    # The portal registers a person on a phone its owner just confirmed: an unsaved, unrestricted actor the
    # audit log names "portal-self-registration" (people.create_person checks the actor's rights).
    return User(username="portal-self-registration", role=Role.CITIZEN, is_superuser=True, is_active=True)


def register(phone: str, data: Registration) -> User:
    """A new person with the confirmed phone, and their citizen account. InvalidInput naming each bad field."""
    with transaction.atomic():
        person = people.create_person(
            _registrar(),
            people.PersonInput(
                full_name=data.full_name,
                sex=data.sex,
                date_of_birth=data.date_of_birth,
                home_commune=data.home_commune,
                citizen_id=data.citizen_id or None,
                address=data.address or None,
                phone=phone,
            ),
        )
        return account_for(person)
