"""Reading what a traveller shows at a checkpoint: every QR the platform issues, and a clear refusal for the rest.

- personal QR (``PD1:``, checkins.personal_qr): the person, their current declaration, recent negative RT-PCR
  results, vaccination or recovery, an active quarantine order;
- declaration QR (``PDD1:``, declarations.qr): origin level, lockdown, symptoms, F1 contact, destination;
- EU DCC (``HC1:``, certificates): vaccination, test (taken within 72 hours, not detected) or recovery;
- release certificate (its verification address ``…/q/verify/<token>`` or the bare token);
- a venue's check-in poster (``…/c/<key>``): refused as not a traveller's code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phongdich.checkpoints.models import EvidenceKind
from phongdich.checkpoints.rules import Facts
from phongdich.core.errors import DomainError
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Person

MAX_QR_LENGTH = 4096
# EU DCC value sets: test result "not detected", test type NAAT (RT-PCR).
DCC_NOT_DETECTED = "260415000"
DCC_NAAT = "LP6464-4"
_VENUE_PATH = re.compile(r"/c/[A-Za-z0-9_\-]+/?$")


@dataclass
class Reading:
    facts: Facts
    evidence_ref: str = ""
    person: Person | None = None
    initials: str = ""
    age: int | None = None
    destination: AdministrativeUnit | None = None


def initials(full_name: str) -> str:
    """ "Nguyễn Thị Hương" -> "N.T.H." """
    return "".join(f"{part[0].upper()}." for part in full_name.split() if part)[:24]


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def refused(reason: str, kind: str = EvidenceKind.UNREADABLE) -> Reading:
    return Reading(Facts(valid=False, invalid_reason=reason, evidence_kind=kind))


def read_code(text: str, at: dt.datetime) -> Reading:
    """What a scanned text says; never raises for bad input (the refusal carries the reason)."""
    text = str(text or "").strip()
    if not text:
        return refused(_("No code was read."))
    if len(text) > MAX_QR_LENGTH or "\x00" in text:
        return refused(_("Not a code of this platform."))
    if text.startswith("PDD1:"):
        return _declaration(text, at)
    if text.startswith("PD1:"):
        return _personal(text, at)
    if text.startswith("HC1:"):
        return _dcc(text, at)
    release_token = _release_token(text)
    if release_token is not None:
        return _release(release_token, at)
    if _is_venue_poster(text):
        return refused(_("This is a venue's check-in code, not a traveller's."))
    return refused(_("Not a code of this platform."))


# --- Personal QR -------------------------------------------------------------------------------------


def _personal(text: str, at: dt.datetime) -> Reading:
    from phongdich.checkins.personal_qr import person_from_qr

    try:
        person = person_from_qr(text)
    except DomainError as error:
        if error.status == 404:
            return refused(_("No registered person has this personal QR code."), EvidenceKind.PERSONAL_QR)
        return refused(
            _("The signature does not match: the code was changed or made elsewhere."), EvidenceKind.PERSONAL_QR
        )
    facts = Facts(evidence_kind=EvidenceKind.PERSONAL_QR)
    reading = Reading(
        facts,
        evidence_ref=f"person:{person.pk}",
        person=person,
        initials=initials(person.full_name),
        age=age_on(person.date_of_birth, timezone.localdate(at)),
        destination=person.home_commune,
    )
    person_facts(person, at, facts)
    claims = _current_declaration(person, at)
    if claims is not None:
        _apply_claims(claims, reading)
    return reading


def person_facts(person: Person, at: dt.datetime, facts: Facts) -> None:
    """The platform's records of the person: active quarantine, protection, a recent negative RT-PCR."""
    from phongdich.quarantine.models import OrderStatus, Protection, QuarantineOrder
    from phongdich.quarantine.services import protection_of
    from phongdich.testing.models import ResultValue, TestResult, TestType

    # An order that starts today is the one this journey leads to (a declaration from a level-4 area orders
    # quarantine at the destination from the arrival day): the traveller is on the way to it, not breaking it.
    facts.in_quarantine = QuarantineOrder.objects.filter(
        person=person, status=OrderStatus.ACTIVE, start__lt=timezone.localdate(at)
    ).exists()
    if protection_of(person, timezone.localdate(at)) == Protection.PROTECTED:
        facts.vaccinated = True
    taken = (
        TestResult.objects.filter(
            sample__person=person,
            sample__test_type=TestType.RT_PCR,
            result=ResultValue.NEGATIVE,
            revoked_at=None,
            sample__taken_at__lte=at,
            sample__taken_at__gte=at - dt.timedelta(days=7),
        )
        .order_by("-sample__taken_at")
        .values_list("sample__taken_at", flat=True)
        .first()
    )
    if taken is not None:
        facts.negative_test_hours = _hours_between(taken, at, facts.negative_test_hours)


def _hours_between(earlier: dt.datetime, at: dt.datetime, current: float | None) -> float:
    hours = max(0.0, (at - earlier).total_seconds() / 3600)
    return hours if current is None else min(current, hours)


def _current_declaration(person: Person, at: dt.datetime) -> Any:
    """The person's newest declaration still valid at ``at`` (its claims), if the declarations app has one."""
    try:
        from phongdich.declarations.models import Declaration
        from phongdich.declarations.qr import declaration_qr_text, read_declaration_qr
    except ImportError:  # pragma: no cover - the declarations app ships with this one
        return None
    for declaration in Declaration.objects.filter(person=person, valid_until__gt=at).order_by("-pk")[:2]:
        try:
            return read_declaration_qr(declaration_qr_text(declaration), at)
        except DomainError:
            continue
    return None


# --- Declaration QR ----------------------------------------------------------------------------------


def _declaration(text: str, at: dt.datetime) -> Reading:
    try:
        from phongdich.declarations.qr import read_declaration_qr
    except ImportError:  # pragma: no cover
        return refused(_("Declarations cannot be read here."), EvidenceKind.DECLARATION)
    try:
        claims = read_declaration_qr(text, at)
    except DomainError as error:
        reason = "; ".join(e.message for e in error.errors) or error.detail
        return refused(reason, EvidenceKind.DECLARATION)
    reading = Reading(Facts(evidence_kind=EvidenceKind.DECLARATION), initials=initials(claims.full_name))
    if claims.person_id:
        person = Person.objects.filter(pk=claims.person_id).select_related("home_commune").first()
        if person is not None:
            reading.person = person
            reading.age = age_on(person.date_of_birth, timezone.localdate(at))
            person_facts(person, at, reading.facts)
    if reading.age is None:
        from phongdich.declarations.models import Declaration

        birth_year = Declaration.objects.filter(pk=claims.declaration_id).values_list("birth_year", flat=True).first()
        if birth_year:
            reading.age = timezone.localdate(at).year - int(birth_year)
    _apply_claims(claims, reading)
    return reading


def _apply_claims(claims: Any, reading: Reading) -> None:
    facts = reading.facts
    reading.evidence_ref = f"declaration:{claims.declaration_id}"
    facts.symptoms = facts.symptoms or bool(claims.symptoms)
    facts.contact_f0_f1 = facts.contact_f0_f1 or bool(claims.contact_f0_f1)
    facts.from_lockdown = facts.from_lockdown or bool(claims.from_lockdown)
    if claims.from_level is not None:
        facts.from_level = max(int(claims.from_level), facts.from_level or 0)
    destination = AdministrativeUnit.objects.filter(code=claims.to_commune_code).first()
    if destination is not None:
        reading.destination = destination


# --- EU DCC ------------------------------------------------------------------------------------------

DCC_REASONS = {
    "bad_signature": gettext_lazy("The signature does not match: the certificate was changed or forged."),
    "unknown_issuer": gettext_lazy("Not a code of this platform: the certificate's issuer is not trusted."),
    "expired": gettext_lazy("The certificate has expired."),
    "not_yet_valid": gettext_lazy("The certificate is not valid yet."),
    "revoked": gettext_lazy("The issuer revoked this certificate."),
}


def _dcc(text: str, at: dt.datetime) -> Reading:
    from phongdich.certificates.services import verify_certificate

    verdict = verify_certificate(text, at=at)
    if not verdict.valid or verdict.payload is None:
        reason = str(
            DCC_REASONS.get(
                verdict.reason or "", _("The certificate cannot be read: it is damaged or not a certificate.")
            )
        )
        return refused(reason, EvidenceKind.DCC_TEST)
    payload = verdict.payload
    name = payload.get("nam") or {}
    full_name = f"{name.get('fn', '')} {name.get('gn', '')}".strip()
    birth = parse_date(str(payload.get("dob") or "")[:10]) if payload.get("dob") else None
    reading = Reading(Facts(), initials=initials(full_name), age=age_on(birth, timezone.localdate(at)))
    facts = reading.facts
    entry: dict[str, Any] = {}
    if payload.get("v"):
        entry = payload["v"][-1]
        facts.evidence_kind = EvidenceKind.DCC_VACCINATION
        facts.vaccinated = int(entry.get("dn") or 0) >= int(entry.get("sd") or 99)
    elif payload.get("t"):
        entry = payload["t"][-1]
        facts.evidence_kind = EvidenceKind.DCC_TEST
        taken = _moment(entry.get("sc"))
        if str(entry.get("tr")) == DCC_NOT_DETECTED and str(entry.get("tt")) == DCC_NAAT and taken is not None:
            facts.negative_test_hours = _hours_between(taken, at, None)
        elif str(entry.get("tr")) != DCC_NOT_DETECTED:
            facts.symptoms = True  # a positive test shown at the gate: test again on the spot
    elif payload.get("r"):
        entry = payload["r"][-1]
        facts.evidence_kind = EvidenceKind.DCC_RECOVERY
        until = parse_date(str(entry.get("du") or "")[:10])
        facts.recovered = until is None or until >= timezone.localdate(at)
    else:
        return refused(_("The certificate cannot be read: it is damaged or not a certificate."), EvidenceKind.DCC_TEST)
    reading.evidence_ref = f"dcc:{verdict.kid or ''}:{str(entry.get('ci') or '')[-40:]}"[:80]
    return reading


def _moment(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)
    parsed = parse_datetime(str(value or ""))
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


# --- Release certificate -----------------------------------------------------------------------------


def _release_token(text: str) -> str | None:
    from phongdich.quarantine.release_qr import VERIFY_PREFIX

    if VERIFY_PREFIX in text:
        path = urlsplit(text).path if "://" in text else text
        index = path.find(VERIFY_PREFIX)
        return unquote(path[index + len(VERIFY_PREFIX) :]).rstrip("/") if index >= 0 else None
    # A bare token: "<yyyymmdd>~<digest>~<number>:<signature>".
    if text.count("~") == 2 and ":" in text and text[:8].isdigit():
        return text
    return None


def _release(token: str, at: dt.datetime) -> Reading:
    from phongdich.quarantine.models import ReleaseCertificate
    from phongdich.quarantine.release_qr import read_release
    from phongdich.quarantine.verify_views import verify_token

    try:
        read_release(token)
    except ValueError as error:
        reason = (
            _("The signature does not match: the code was changed or made elsewhere.")
            if "signature" in str(error)
            else _("Not a code of this platform.")
        )
        return refused(reason, EvidenceKind.RELEASE)
    verification = verify_token(token)
    if verification.status == "revoked":
        return refused(_("This release certificate was revoked."), EvidenceKind.RELEASE)
    if verification.status != "valid" or verification.certificate_id is None:
        return refused(_("This release certificate is not valid."), EvidenceKind.RELEASE)
    certificate = ReleaseCertificate.objects.select_related("order__person__home_commune").get(
        pk=verification.certificate_id
    )
    person = certificate.order.person
    facts = Facts(evidence_kind=EvidenceKind.RELEASE, released=True)
    reading = Reading(
        facts,
        evidence_ref=f"release:{certificate.number}"[:80],
        person=person,
        initials=verification.initials,
        age=age_on(person.date_of_birth, timezone.localdate(at)),
        destination=person.home_commune,
    )
    person_facts(person, at, facts)
    return reading


def _is_venue_poster(text: str) -> bool:
    path = urlsplit(text).path if "://" in text else text
    return bool(_VENUE_PATH.search(path))
