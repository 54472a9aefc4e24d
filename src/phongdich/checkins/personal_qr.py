"""The personal QR: a signed person id a citizen shows at the door, so staff check them in without typing.

The token is ``PD1:<id>:<signature>`` (django.core.signing with its own salt): short enough for a small
QR, carries no name or ID number, and cannot be made up for another person without the server's key.
"""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext as _

from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.people.models import Person, PersonMerge

PREFIX = "PD1:"
SALT = "phongdich.checkins.personal_qr"
MAX_TOKEN_LENGTH = 120

_signer = signing.Signer(salt=SALT)


def personal_qr_token(person: Person) -> str:
    return PREFIX + _signer.sign(str(person.pk))


def _invalid() -> InvalidInput:
    return InvalidInput(
        _("This personal QR code is not valid."),
        [FieldError("personal_qr", _("This is not a personal QR code issued by PhòngDịch."))],
    )


def person_id_from_qr(token: str) -> int:
    """The person id a token was signed for; InvalidInput(field "personal_qr") if forged or malformed."""
    text = str(token or "").strip()
    if not text.startswith(PREFIX) or len(text) > MAX_TOKEN_LENGTH:
        raise _invalid()
    try:
        value = _signer.unsign(text[len(PREFIX) :])
    except signing.BadSignature:
        raise _invalid() from None
    if not value.isdecimal() or not 0 < int(value) < 2**63:
        raise _invalid()
    return int(value)


def resolve_person_ids(person_ids: set[int]) -> dict[int, int]:
    """Signed id -> current person id, following merges (a merged duplicate's QR still works). Two queries."""
    found = {pk: pk for pk in Person.objects.filter(pk__in=person_ids).values_list("pk", flat=True)}
    missing = person_ids - found.keys()
    if missing:
        merges = PersonMerge.objects.filter(merged_person_id__in=missing).values_list("merged_person_id", "survivor_id")
        for merged, survivor in merges:
            found[int(merged)] = survivor
    return found


def person_from_qr(token: str) -> Person:
    """The person a personal QR stands for. Forged or malformed: InvalidInput; person gone: NotFound."""
    person_id = person_id_from_qr(token)
    current = resolve_person_ids({person_id}).get(person_id)
    person = Person.objects.filter(pk=current).first() if current is not None else None
    if person is None:
        raise NotFound(_("No registered person has this personal QR code."))
    return person
