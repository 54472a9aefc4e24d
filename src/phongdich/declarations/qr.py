"""The declaration QR: ``PDD1:`` + ``<id>.<valid until, base 36 seconds>:<signature>``.

The text carries only the declaration's id and end of validity, signed (``django.core.signing``, own salt), so
it stays short enough for a small QR; what it claims is read from the declaration, which also tells whether it
was replaced or withdrawn since. Reading it checks: the prefix, the signature, the validity, the status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.core.errors import FieldError, InvalidInput
from phongdich.core.memo import reference_row
from phongdich.declarations.models import Declaration, DeclarationStatus, ExternalArea
from phongdich.geo.models import AdministrativeUnit

PREFIX = "PDD1:"
SALT = "phongdich.declarations.qr"
MAX_LENGTH = 200


@dataclass(frozen=True)
class DeclarationClaims:
    """What a valid declaration QR stands for. ``from_unit_*`` is the origin: a unit of the platform's geo tree,
    or an area outside the province (``ExternalArea`` code and name); empty for a periodic declaration.
    ``from_level`` is the level of the origin when declared; ``phone_last4`` lets an officer ask for the phone."""

    declaration_id: int
    kind: str
    person_id: int | None
    full_name: str
    phone_last4: str
    from_unit_code: str
    from_unit_name: str
    from_level: int | None
    from_lockdown: bool
    to_commune_code: str
    symptoms: bool
    contact_f0_f1: bool
    vehicle_plate: str
    valid_until: dt.datetime
    birth_year: int | None = None
    # The destination as loaded with the declaration (not compared: the code above says which it is).
    to_commune: AdministrativeUnit | None = field(default=None, compare=False, repr=False)


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def declaration_qr_text(declaration: Declaration) -> str:
    until = int(declaration.valid_until.timestamp())
    return PREFIX + _signer().sign(f"{declaration.pk}.{_base36(until)}")


def _refused(message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError("qr", message)])


def claims_of(declaration: Declaration) -> DeclarationClaims:
    return DeclarationClaims(
        declaration_id=declaration.pk,
        kind=declaration.kind,
        person_id=declaration.person_id,
        full_name=declaration.full_name,
        phone_last4=declaration.phone[-4:],
        from_unit_code=declaration.origin_code,
        from_unit_name=declaration.origin_name,
        from_level=declaration.from_level,
        from_lockdown=declaration.from_lockdown,
        to_commune_code=declaration.to_commune.code,
        symptoms=bool(declaration.symptoms),
        contact_f0_f1=declaration.contact_f0_f1,
        vehicle_plate=declaration.vehicle_plate,
        valid_until=declaration.valid_until,
        birth_year=declaration.birth_year,
        to_commune=declaration.to_commune,
    )


def _declaration_row(declaration_id: int) -> Declaration | None:
    """The declaration with its units and area from this worker's reference memo: a gateway reads a QR every few
    milliseconds at rush hour, and joining three tables cost more to compose than to run."""
    if not 0 < declaration_id < 2**63:
        return None
    table = Declaration._meta.db_table
    found = list(Declaration.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [declaration_id]))  # noqa: S608
    if not found:
        return None
    declaration = found[0]
    declaration.to_commune = reference_row(AdministrativeUnit, declaration.to_commune_id)  # type: ignore[assignment]
    declaration.from_unit = reference_row(AdministrativeUnit, declaration.from_unit_id)
    declaration.from_area = reference_row(ExternalArea, declaration.from_area_id)
    return declaration


def read_declaration_qr(text: str, at: dt.datetime | None = None) -> DeclarationClaims:
    """What a valid declaration QR claims; InvalidInput on ``qr`` saying why it is refused."""
    text = (text or "").strip()
    if not text.startswith(PREFIX) or len(text) > MAX_LENGTH:
        raise _refused(_("This is not a health declaration QR code."))
    try:
        value = _signer().unsign(text[len(PREFIX) :])
        id_text, until_text = value.split(".")
        declaration_id = int(id_text)
        until = dt.datetime.fromtimestamp(int(until_text, 36), tz=dt.UTC)
    except (signing.BadSignature, ValueError, OverflowError, OSError):
        raise _refused(_("This declaration QR code was altered or not issued by the province.")) from None
    at = at or timezone.now()
    if until <= at:
        raise _refused(_("This health declaration has expired: declare again."))
    declaration = _declaration_row(declaration_id)
    if declaration is None or declaration.status == DeclarationStatus.WITHDRAWN:
        raise _refused(_("This health declaration was withdrawn."))
    if declaration.status == DeclarationStatus.SUPERSEDED:
        raise _refused(_("This health declaration was replaced by a newer one: show the newest QR code."))
    if int(declaration.valid_until.timestamp()) != int(until.timestamp()):
        raise _refused(_("This declaration QR code was altered or not issued by the province."))
    return claims_of(declaration)
