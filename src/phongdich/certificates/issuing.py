"""Issuing a person's EU DCC from the registry: the vaccination certificate of their latest dose."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.certificates import services
from phongdich.core.errors import FieldError, InvalidInput
from phongdich.core.text import clean_text, search_key
from phongdich.people import services as people
from phongdich.people.models import Person
from phongdich.vaccination.services import VaccinationStatus, vaccination_status


def issuer_for(person: Person) -> str:
    """The issuing authority: the health department of the person's province ("Sở Y tế tỉnh Quảng Ninh")."""
    province = person.home_commune.ancestors()[:1]
    name = province[0].name if province else ""
    return f"Sở Y tế {name[:1].lower()}{name[1:]}" if name else "Sở Y tế"


COUNTRY = "VN"
DISEASE = "840539006"  # COVID-19, SNOMED CT
KINDS = ("vaccination",)


@dataclass(frozen=True)
class IssuedCertificate:
    payload: str
    expires_at: dt.datetime
    identifier: str
    dcc: dict[str, Any]


def icao(text: str) -> str:
    """'Thị Đào' -> 'THI<DAO': the ICAO 9303 machine-readable form (A-Z and '<' for separators)."""
    key = search_key(text).upper()
    key = re.sub(r"[^A-Z]+", "<", key).strip("<")
    return key[:80]


def split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order: the family name first, then the middle and given names."""
    words = clean_text(full_name).split()
    if len(words) <= 1:
        return (words[0] if words else ""), ""
    return words[0], " ".join(words[1:])


def new_identifier() -> str:
    return f"URN:UVCI:01:VN:QN{secrets.token_hex(10).upper()}"


def vaccination_payload(person: Person, status: VaccinationStatus, identifier: str) -> dict[str, Any]:
    latest = status.doses[-1]
    product = latest.product
    family, given = split_name(person.full_name)
    name: dict[str, str] = {"fnt": icao(family) or "X"}
    if family:
        name["fn"] = family[:80]
    if given:
        name["gn"] = given[:80]
        name["gnt"] = icao(given)
    return {
        "ver": "1.3.0",
        "nam": name,
        "dob": person.date_of_birth.isoformat(),
        "v": [
            {
                "tg": DISEASE,
                "vp": product.vaccine_type,
                "mp": product.code,
                "ma": product.manufacturer_code,
                "dn": latest.dose_number,
                "sd": status.doses_for_full_course or latest.dose_number,
                "dt": latest.date.isoformat(),
                "co": COUNTRY,
                "is": issuer_for(person),
                "ci": identifier,
            }
        ],
    }


def issue_for_person(
    actor: User, person_id: object, kind: str = "vaccination", *, now: dt.datetime | None = None
) -> IssuedCertificate:
    """A signed EU DCC for a person the actor may view (NotFound otherwise); audited without its content."""
    if kind not in KINDS:
        raise InvalidInput(_("The certificate has errors."), [FieldError("kind", _("Only vaccination certificates."))])
    now = now or timezone.now()
    person = people.get_person(actor, person_id)
    status = vaccination_status(person)
    if not status.doses:
        raise InvalidInput(
            _("The certificate has errors."),
            [FieldError("person", _("This person has no recorded vaccination dose."))],
        )
    identifier = new_identifier()
    dcc = vaccination_payload(person, status, identifier)
    text = services.issue(dcc, "v", now=now)
    key = services.active_key()
    expires = min(now + dt.timedelta(days=services.CERTIFICATE_DAYS), key.not_after).replace(microsecond=0)
    audit.record(
        actor,
        AuditAction.GENERATE,
        "certificate",
        person.pk,
        detail={"kind": "v", "dose": status.doses[-1].pk, "kid": key.kid},
    )
    return IssuedCertificate(payload=text, expires_at=expires, identifier=identifier, dcc=dcc)
