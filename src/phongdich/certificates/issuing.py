"""Issuing a person's EU DCC from the registry, storing it, and revoking it.

Vaccination certificates come from the person's latest dose, test certificates from a test result (RT-PCR
or a rapid antigen test taken by staff; final, that is positive or negative, and not revoked), recovery
certificates from the first positive test of the person's latest infection. Every certificate issued is
stored (:class:`~phongdich.certificates.models.IssuedCertificate`): asking again for the same content gives
the stored one back rather than signing a new one, until it expires or a newer dose or result exists.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.certificates import services
from phongdich.certificates.dcc import valuesets
from phongdich.certificates.models import KIND_ENTRY, CertificateKind, IssuedCertificate
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text, search_key
from phongdich.people.models import Person
from phongdich.testing.models import ResultValue, Sample, TestResult, TestType
from phongdich.vaccination.services import VaccinationStatus, vaccination_status

COUNTRY = "VN"
DISEASE = valuesets.DISEASE_COVID_19
KINDS = tuple(CertificateKind.values)
TEST_CERTIFICATE_DAYS = 30
# The EU rule for recovery certificates: valid from day 11 after the first positive test to day 180.
RECOVERY_VALID_FROM_DAYS = 11
RECOVERY_VALID_UNTIL_DAYS = 180
# A positive test this long after the start of an infection starts a new one.
NEW_INFECTION_DAYS = RECOVERY_VALID_UNTIL_DAYS
TEST_TYPE_CODES = {TestType.RT_PCR: valuesets.TEST_NAAT, TestType.ANTIGEN: valuesets.TEST_RAT}
RESULT_CODES = {ResultValue.NEGATIVE: valuesets.NOT_DETECTED, ResultValue.POSITIVE: valuesets.DETECTED}


def issuer_for(person: Person) -> str:
    """The issuing authority: the health department of the person's province ("Sở Y tế tỉnh Quảng Ninh")."""
    province = person.home_commune.ancestors()[:1]
    name = province[0].name if province else ""
    return f"Sở Y tế {name[:1].lower()}{name[1:]}"[:80] if name else "Sở Y tế"


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


def _holder(person: Person) -> dict[str, Any]:
    family, given = split_name(person.full_name)
    name: dict[str, str] = {"fnt": icao(family) or "X"}
    if family:
        name["fn"] = family[:80]
    if given:
        name["gn"] = given[:80]
        name["gnt"] = icao(given)
    return {"ver": "1.3.0", "nam": name, "dob": person.date_of_birth.isoformat()}


def vaccination_payload(person: Person, status: VaccinationStatus, identifier: str) -> dict[str, Any]:
    latest = status.doses[-1]
    product = latest.product
    entry = {
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
    return {**_holder(person), "v": [entry]}


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_payload(person: Person, result: TestResult, identifier: str, device: str = "") -> dict[str, Any]:
    sample = result.sample
    entry: dict[str, Any] = {
        "tg": DISEASE,
        "tt": TEST_TYPE_CODES[TestType(sample.test_type)],
        "sc": _utc_text(sample.taken_at),
        "tr": RESULT_CODES[ResultValue(result.result)],
        "tc": (clean_text(sample.site or sample.lab) or sample.commune.name)[:80],
        "co": COUNTRY,
        "is": issuer_for(person),
        "ci": identifier,
    }
    if device:
        entry["ma"] = device
    return {**_holder(person), "t": [entry]}


test_payload.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def recovery_payload(person: Person, first_positive: dt.date, identifier: str) -> dict[str, Any]:
    entry = {
        "tg": DISEASE,
        "fr": first_positive.isoformat(),
        "co": COUNTRY,
        "is": issuer_for(person),
        "df": (first_positive + dt.timedelta(days=RECOVERY_VALID_FROM_DAYS)).isoformat(),
        "du": (first_positive + dt.timedelta(days=RECOVERY_VALID_UNTIL_DAYS)).isoformat(),
        "ci": identifier,
    }
    return {**_holder(person), "r": [entry]}


def _same_content(stored: IssuedCertificate, payload: dict[str, Any]) -> bool:
    """Whether ``payload`` (built with the stored certificate's identifier) says what the stored one says."""
    return bool(stored.dcc == payload)


def _stored(person: Person, kind: str, source: str) -> models.QuerySet[IssuedCertificate]:
    return IssuedCertificate.objects.filter(person=person, kind=kind, source=source).order_by("-issued_at", "-pk")


def _store(
    actor: User,
    person: Person,
    kind: CertificateKind,
    source: str,
    payload: dict[str, Any],
    *,
    now: dt.datetime,
    days: int,
) -> IssuedCertificate:
    signed = services.issue_signed(payload, KIND_ENTRY[kind], now=now, days=days)
    certificate = IssuedCertificate.objects.create(
        person=person,
        kind=kind,
        uvci=payload[KIND_ENTRY[kind]][0]["ci"],
        issued_at=signed.issued_at,
        expires_at=signed.expires_at,
        dcc=payload,
        hc1=signed.text,
        kid=signed.kid,
        source=source,
        issued_by=actor,
    )
    audit.record(
        actor,
        AuditAction.GENERATE,
        "certificate",
        certificate.pk,
        detail={"person": person.pk, "kind": kind.value, "source": source, "kid": signed.kid},
    )
    return certificate


def _reuse(actor: User, certificate: IssuedCertificate) -> IssuedCertificate:
    audit.record(actor, AuditAction.VIEW, "certificate", certificate.pk, detail={"person": certificate.person_id})
    return certificate


def _locked_person(actor: User, person_id: object) -> Person:
    """The person (locked: two requests at once do not sign two certificates), NotFound when out of scope."""
    if not access.can(actor, "certificate", "add"):
        raise NotFound()
    person = access.get_or_404(
        Person.objects.select_for_update(of=("self",)).select_related("home_commune"), actor, "view", pk=person_id
    )
    return person


def _issue_or_reuse(
    actor: User,
    person: Person,
    kind: CertificateKind,
    source: str,
    build: Any,
    *,
    now: dt.datetime,
    days: int,
    reissue_revoked: bool,
) -> IssuedCertificate | None:
    """The stored certificate for ``source`` when it is current and says the same, else a new one.

    With ``reissue_revoked`` false, a revoked certificate for the same content is not replaced (None):
    the citizen's page must not undo an officer's revocation by signing the same again.
    """
    latest = _stored(person, kind, source).first()
    if latest is not None and _same_content(latest, build(latest.uvci)):
        if latest.revoked_at is None and latest.expires_at > now:
            return _reuse(actor, latest)
        if latest.revoked_at is not None and not reissue_revoked:
            return None
    return _store(actor, person, kind, source, build(new_identifier()), now=now, days=days)


def _no_doses() -> InvalidInput:
    return InvalidInput(
        _("The certificate has errors."), [FieldError("person", _("This person has no recorded vaccination dose."))]
    )


def vaccination_certificate(
    actor: User, person_id: object, *, now: dt.datetime | None = None, reissue_revoked: bool = True
) -> IssuedCertificate | None:
    """The person's current vaccination certificate (of their latest dose), issued when there is none.

    NotFound for a person out of scope; InvalidInput (field ``person``) without any dose. None only when
    ``reissue_revoked`` is false and the certificate for the latest dose was revoked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        person = _locked_person(actor, person_id)
        status = vaccination_status(person)
        if not status.doses:
            raise _no_doses()
        source = f"dose:{status.doses[-1].pk}"
        return _issue_or_reuse(
            actor,
            person,
            CertificateKind.VACCINATION,
            source,
            lambda uvci: vaccination_payload(person, status, uvci),
            now=now,
            days=services.CERTIFICATE_DAYS,
            reissue_revoked=reissue_revoked,
        )


def issue_for_person(
    actor: User, person_id: object, kind: str = "vaccination", *, now: dt.datetime | None = None
) -> IssuedCertificate:
    """A person's current vaccination or recovery certificate (a test certificate needs its result)."""
    if kind == CertificateKind.RECOVERY:
        return recovery_certificate(actor, person_id, now=now)
    if kind != CertificateKind.VACCINATION:
        raise InvalidInput(
            _("The certificate has errors."),
            [FieldError("kind", _("A test certificate is issued from a test result."))],
        )
    certificate = vaccination_certificate(actor, person_id, now=now)
    assert certificate is not None  # reissue_revoked: never None
    return certificate


def _qualifying(result: TestResult) -> list[FieldError]:
    """Why a result cannot back a certificate: revoked, not final, or a self-test."""
    errors: list[FieldError] = []
    if result.revoked_at is not None:
        errors.append(FieldError("result", _("This result was revoked.")))
    elif result.result not in RESULT_CODES:
        errors.append(FieldError("result", _("Only a positive or negative result gives a certificate.")))
    if result.sample.test_type not in TEST_TYPE_CODES:
        errors.append(FieldError("result", _("A self-test does not give a certificate.")))
    return errors


def test_certificate(
    actor: User, result_id: object, *, device: str = "", now: dt.datetime | None = None
) -> IssuedCertificate:
    """The test certificate of one test result (the stored one when already issued and current).

    ``device`` is the rapid antigen test's code in the EU ``test-manufacturer-and-name`` value set.
    """
    now = now or timezone.now()
    device = clean_text(device or "")
    if not access.can(actor, "certificate", "add"):
        raise NotFound()
    with transaction.atomic():
        try:
            result = access.get_or_404(
                TestResult.objects.select_related("sample__person__home_commune", "sample__commune"),
                actor,
                "view",
                pk=result_id,
            )
        except NotFound:
            raise NotFound(_("No test result with this id in your area.")) from None
        person = _locked_person(actor, result.sample.person_id)
        errors = _qualifying(result)
        if device:
            if result.sample.test_type != TestType.ANTIGEN:
                errors.append(FieldError("device", _("Only a rapid antigen test names its device.")))
            elif device not in valuesets.RAT_DEVICES:
                errors.append(FieldError("device", _("This device is not in the EU list of rapid antigen tests.")))
        if errors:
            raise InvalidInput(_("The certificate has errors."), errors)
        source = f"result:{result.pk}"
        certificate = _issue_or_reuse(
            actor,
            person,
            CertificateKind.TEST,
            source,
            lambda uvci: test_payload(person, result, uvci, device),
            now=now,
            days=TEST_CERTIFICATE_DAYS,
            reissue_revoked=True,
        )
        assert certificate is not None
        return certificate


test_certificate.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def first_positive(person: Person) -> tuple[dt.date, Sample] | None:
    """The local date and sample of the first positive test of the person's latest infection.

    Positive standing results of RT-PCR or staff-taken rapid tests count; a positive more than 180 days
    after the start of an infection starts a new one.
    """
    samples = (
        Sample.objects.filter(
            person=person,
            test_type__in=list(TEST_TYPE_CODES),
            results__result=ResultValue.POSITIVE,
            results__revoked_at__isnull=True,
        )
        .order_by("taken_at", "pk")
        .distinct()
    )
    start: tuple[dt.date, Sample] | None = None
    for sample in samples:
        day = timezone.localtime(sample.taken_at).date()
        if start is None or (day - start[0]).days > NEW_INFECTION_DAYS:
            start = (day, sample)
    return start


def recovery_certificate(actor: User, person_id: object, *, now: dt.datetime | None = None) -> IssuedCertificate:
    """The person's recovery certificate: from day 11 to day 180 after the first positive test."""
    now = now or timezone.now()
    with transaction.atomic():
        person = _locked_person(actor, person_id)
        found = first_positive(person)
        if found is None:
            raise InvalidInput(
                _("The certificate has errors."),
                [FieldError("person", _("This person has no positive test on record."))],
            )
        day, sample = found
        until = day + dt.timedelta(days=RECOVERY_VALID_UNTIL_DAYS)
        if timezone.localdate(now) > until:
            raise InvalidInput(
                _("The certificate has errors."),
                [FieldError("person", _("The recovery period of the last infection is over (180 days)."))],
            )
        # The certificate itself lasts to the end of its last valid day.
        days = (until - timezone.localdate(now)).days + 1
        certificate = _issue_or_reuse(
            actor,
            person,
            CertificateKind.RECOVERY,
            f"sample:{sample.pk}",
            lambda uvci: recovery_payload(person, day, uvci),
            now=now,
            days=days,
            reissue_revoked=True,
        )
        assert certificate is not None
        return certificate


# --- Reading and revoking --------------------------------------------------------------------------


def person_certificates(actor: User, person_id: object) -> tuple[Person, list[IssuedCertificate]]:
    """A person the actor may see, and every certificate issued to them (newest first), audited as one listing."""
    if not access.can(actor, "certificate", "view"):
        raise NotFound()
    person = access.get_or_404(Person.objects.all(), actor, "view", pk=person_id)
    rows = list(access.restrict(IssuedCertificate.objects.filter(person=person), actor, "view"))
    audit.record(
        actor, AuditAction.LIST, "certificate", object_ids=[row.pk for row in rows], detail={"person": person.pk}
    )
    return person, rows


def current_certificates(user: User, *, now: dt.datetime | None = None) -> list[IssuedCertificate]:
    """A citizen's own current certificates: the vaccination one (issued when due) and any current test
    and recovery certificates an officer issued them, newest first within each kind."""
    now = now or timezone.now()
    if user.person_id is None:
        return []
    found: list[IssuedCertificate] = []
    try:
        vaccination = vaccination_certificate(user, user.person_id, now=now, reissue_revoked=False)
    except InvalidInput:
        vaccination = None
    except Conflict:
        # No key to sign with (none created yet, or expired): the stored one, if still current.
        vaccination = (
            access.restrict(IssuedCertificate.objects.filter(person_id=user.person_id), user, "view")
            .filter(kind=CertificateKind.VACCINATION, revoked_at__isnull=True, expires_at__gt=now)
            .order_by("-issued_at")
            .first()
        )
    if vaccination is not None:
        found.append(vaccination)
    others = access.restrict(
        IssuedCertificate.objects.filter(
            person_id=user.person_id,
            kind__in=[CertificateKind.TEST, CertificateKind.RECOVERY],
            revoked_at__isnull=True,
            expires_at__gt=now,
        ),
        user,
        "view",
    ).order_by("kind", "-issued_at")
    latest: dict[str, IssuedCertificate] = {}
    for certificate in others:
        latest.setdefault(certificate.kind, certificate)
    found += [latest[kind] for kind in (CertificateKind.TEST, CertificateKind.RECOVERY) if kind in latest]
    if len(found) > (vaccination is not None):
        audit.record(user, AuditAction.VIEW, "certificate", object_ids=[c.pk for c in found])
    return found


def get_certificate(actor: User, certificate_id: object) -> IssuedCertificate:
    """One stored certificate the actor may see (NotFound otherwise), audited."""
    certificate = access.get_or_404(
        IssuedCertificate.objects.select_related("person"), actor, "view", pk=certificate_id
    )
    audit.record(actor, AuditAction.VIEW, "certificate", certificate.pk, detail={"person": certificate.person_id})
    return certificate


def revoke_certificate(actor: User, certificate_id: object, reason: str) -> IssuedCertificate:
    """Revoke a certificate (kept on record): verifiers here answer ``revoked`` from then on."""
    reason = clean_text(reason or "")
    if not reason or len(reason) > 300:
        raise InvalidInput(
            _("The request has errors."), [FieldError("reason", _("Give the reason, in at most 300 characters."))]
        )
    with transaction.atomic():
        certificate = access.get_or_404(
            IssuedCertificate.objects.select_for_update(of=("self",)), actor, "change", pk=certificate_id
        )
        if certificate.revoked_at is not None:
            raise Conflict(
                _("This certificate was already revoked."), [FieldError("certificate", _("Already revoked."))]
            )
        certificate.revoked_at = timezone.now()
        certificate.revoke_reason = reason
        certificate.revoked_by = actor
        certificate.save(update_fields=["revoked_at", "revoke_reason", "revoked_by"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            "certificate",
            certificate.pk,
            detail={"person": certificate.person_id, "revoked": True},
        )
    return certificate
