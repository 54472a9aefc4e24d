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
from phongdich.core.memo import reference_row
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
    from phongdich.checkins.personal_qr import person_id_from_qr, resolve_person_ids

    try:
        signed_id = person_id_from_qr(text)
    except DomainError:
        return refused(
            _("The signature does not match: the code was changed or made elsewhere."), EvidenceKind.PERSONAL_QR
        )
    person = person_with_facts(signed_id, at)
    if person is None:
        # A merged duplicate's QR stands for the survivor (rare: looked up only when the id is gone).
        current = resolve_person_ids({signed_id}).get(signed_id)
        person = person_with_facts(current, at) if current is not None else None
    if person is None:
        return refused(_("No registered person has this personal QR code."), EvidenceKind.PERSONAL_QR)
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


def unit_by_id(unit_id: int | None) -> AdministrativeUnit | None:
    return reference_row(AdministrativeUnit, unit_id)


def person_with_facts(person_id: int, at: dt.datetime) -> Person | None:
    """The person with their home commune and, in the same statement, what :func:`person_facts` needs.

    A gate decides a scan every few milliseconds at rush hour: one hand-written statement (composing the
    ORM's version with its four subqueries cost ten times more than running it).
    """
    from phongdich.cases.models import Case, Outcome
    from phongdich.quarantine.models import OrderStatus, QuarantineOrder
    from phongdich.testing.models import ResultValue, Sample, TestResult, TestType
    from phongdich.vaccination.models import Vaccination

    if not 0 < person_id < 2**63:
        return None
    sql = (
        f"SELECT p.*, "  # noqa: S608 - table names from the models, values as parameters
        # An order that starts today is the one this journey leads to (a declaration from a level-4 area
        # orders quarantine at the destination from the arrival day): the traveller is on the way to it.
        f"EXISTS (SELECT 1 FROM {QuarantineOrder._meta.db_table} q WHERE q.person_id = p.id "
        f"AND q.status = %s AND q.start < %s) AS gate_in_quarantine, "
        f"EXISTS (SELECT 1 FROM {Vaccination._meta.db_table} v WHERE v.person_id = p.id) AS gate_has_doses, "
        f"EXISTS (SELECT 1 FROM {Case._meta.db_table} c WHERE c.person_id = p.id AND c.outcome = %s) "
        f"AS gate_recovered, "
        f"(SELECT max(s.taken_at) FROM {Sample._meta.db_table} s JOIN {TestResult._meta.db_table} r "
        f"ON r.sample_id = s.id WHERE s.person_id = p.id AND s.test_type = %s AND r.result = %s "
        f"AND r.revoked_at IS NULL AND s.taken_at <= %s AND s.taken_at >= %s) AS gate_negative_taken "
        f"FROM {Person._meta.db_table} p WHERE p.id = %s"
    )
    params = [
        OrderStatus.ACTIVE,
        timezone.localdate(at),
        Outcome.RECOVERED,
        TestType.RT_PCR,
        ResultValue.NEGATIVE,
        at,
        at - dt.timedelta(days=7),
        person_id,
    ]
    found = list(Person.objects.raw(sql, params))
    if not found:
        return None
    person = found[0]
    person.home_commune = unit_by_id(person.home_commune_id)  # type: ignore[assignment]
    taken = getattr(person, "gate_negative_taken", None)
    if isinstance(taken, str):  # SQLite answers an aggregate of timestamps as text
        person.gate_negative_taken = _moment(taken)  # type: ignore[attr-defined]
    return person


def person_facts(person: Person, at: dt.datetime, facts: Facts) -> None:
    """The platform's records of the person (loaded by :func:`person_with_facts`): active quarantine,
    protection (a full course by ``at``, or recovered), a recent negative RT-PCR."""
    from phongdich.vaccination.services import vaccination_status

    facts.in_quarantine = bool(getattr(person, "gate_in_quarantine", False))
    if getattr(person, "gate_recovered", False):
        facts.vaccinated = True
    elif getattr(person, "gate_has_doses", False):
        # The course's length depends on the first dose's product: the vaccination rules decide.
        full_course = vaccination_status(person).full_course_date
        facts.vaccinated = full_course is not None and full_course <= timezone.localdate(at)
    taken = getattr(person, "gate_negative_taken", None)
    if taken is not None:
        facts.negative_test_hours = _hours_between(taken, at, facts.negative_test_hours)


def _hours_between(earlier: dt.datetime, at: dt.datetime, current: float | None) -> float:
    hours = max(0.0, (at - earlier).total_seconds() / 3600)
    return hours if current is None else min(current, hours)


def _current_declaration(person: Person, at: dt.datetime) -> Any:
    """The person's newest declaration still valid at ``at`` (its claims), if any."""
    from phongdich.declarations.models import Declaration, DeclarationStatus
    from phongdich.declarations.qr import claims_of

    table = Declaration._meta.db_table
    found = list(
        Declaration.objects.raw(
            f"SELECT * FROM {table} WHERE person_id = %s AND valid_until > %s AND status = %s "  # noqa: S608
            "ORDER BY id DESC LIMIT 1",
            [person.pk, at, DeclarationStatus.ACTIVE],
        )
    )
    if not found:
        return None
    declaration = found[0]
    # Units from this worker's memo; an origin outside the province (rare) is read when asked for.
    declaration.to_commune = unit_by_id(declaration.to_commune_id)  # type: ignore[assignment]
    if declaration.from_unit_id is not None:
        declaration.from_unit = unit_by_id(declaration.from_unit_id)
    return claims_of(declaration)


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
        person = person_with_facts(claims.person_id, at)
        if person is not None:
            reading.person = person
            reading.age = age_on(person.date_of_birth, timezone.localdate(at))
            person_facts(person, at, reading.facts)
    if reading.age is None and claims.birth_year:
        reading.age = timezone.localdate(at).year - int(claims.birth_year)
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
    destination = claims.to_commune or AdministrativeUnit.objects.filter(code=claims.to_commune_code).first()
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
    certificates = ReleaseCertificate.objects.filter(pk=verification.certificate_id)
    person_id = certificates.values_list("order__person_id", flat=True).get()
    person = person_with_facts(person_id, at)
    if person is None:  # pragma: no cover - an order's person is protected from deletion
        return refused(_("This release certificate is not valid."), EvidenceKind.RELEASE)
    facts = Facts(evidence_kind=EvidenceKind.RELEASE, released=True)
    reading = Reading(
        facts,
        evidence_ref=f"release:{verification.number}"[:80],
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
