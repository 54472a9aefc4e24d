"""Every write of signing keys and trusted certificates, issuing, and verification against our trust list."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.certificates import keystore
from phongdich.certificates.dcc import hcert, schema, x509util
from phongdich.certificates.dcc.verifier import TrustedKey, TrustList, Verdict, verify
from phongdich.certificates.models import IssuedCertificate, SigningAuthority, SigningKey, TrustedCertificate
from phongdich.core.errors import Conflict, FieldError, InvalidInput
from phongdich.core.memo import Memo

CSCA_DAYS = 10 * 365
DSC_DAYS = 365
CERTIFICATE_DAYS = 365
KINDS = ("v", "t", "r")


def _kid_text(kid: bytes) -> str:
    return base64.b64encode(kid).decode("ascii")


def _authority(now: dt.datetime) -> tuple[SigningAuthority, Any, x509.Certificate]:
    """The CSCA, created on first use and replaced when it has under a DSC lifetime left."""
    authority = SigningAuthority.objects.filter(not_after__gt=now + dt.timedelta(days=DSC_DAYS)).order_by("-pk").first()
    if authority is None:
        key, certificate = keystore.make_csca(now, CSCA_DAYS)
        authority = SigningAuthority(
            certificate_der=certificate.public_bytes(Encoding.DER), not_after=certificate.not_valid_after_utc
        )
        authority.private_key_pem = ""
        authority.save()
        authority.private_key_pem = keystore.encrypt_private_key(key, f"csca:{authority.pk}")
        authority.save(update_fields=["private_key_pem"])
        return authority, key, certificate
    key = keystore.decrypt_private_key(authority.private_key_pem, f"csca:{authority.pk}")
    return authority, key, x509.load_der_x509_certificate(bytes(authority.certificate_der))


def rotate_key(actor: User | None = None, *, days: int = DSC_DAYS, now: dt.datetime | None = None) -> SigningKey:
    """A new active document signer; the previous ones stop signing but stay trusted until they expire."""
    now = now or timezone.now()
    if days < 1:
        raise InvalidInput(_("The signing key has errors."), [FieldError("days", _("At least one day."))])
    with transaction.atomic():
        authority, csca_key, csca = _authority(now)
        key, certificate = keystore.make_dsc(csca_key, csca, now, days)
        kid = _kid_text(x509util.kid_of(certificate))
        SigningKey.objects.filter(active=True).update(active=False)
        signing_key = SigningKey.objects.create(
            kid=kid,
            authority=authority,
            certificate_der=certificate.public_bytes(Encoding.DER),
            private_key_pem=keystore.encrypt_private_key(key, f"dsc:{kid}"),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            active=True,
        )
        audit.record(actor, AuditAction.GENERATE, "signing_key", signing_key.pk, detail={"kid": kid})
    return signing_key


def active_key() -> SigningKey:
    key = SigningKey.objects.filter(active=True).first()
    if key is None:
        raise Conflict(_("There is no active signing key: create one with `phongdich certificates-rotate-key`."))
    return key


def _check_payload(payload: object, kind: str) -> None:
    errors: list[FieldError] = []
    if kind not in KINDS:
        errors.append(FieldError("type", _("The certificate type is v, t or r.")))
    elif not isinstance(payload, dict) or kind not in payload:
        errors.append(FieldError(kind, _("The payload has no entry of this certificate type.")))
    if isinstance(payload, dict):
        errors += [FieldError("payload", message) for message in schema.errors(payload)]
    if errors:
        raise InvalidInput(_("The certificate payload is not a valid EU DCC."), errors)


def issue_batch(
    payloads: Iterable[dict[str, Any]], kind: str, *, now: dt.datetime | None = None, days: int = CERTIFICATE_DAYS
) -> list[str]:
    """The HC1 strings of signed EU DCCs, one per payload (DCC 1.3.0 objects of type ``kind``: v, t or r).

    All payloads are checked first: one bad payload raises InvalidInput (its index in the field) and
    nothing is issued.
    """
    now = now or timezone.now()
    payloads = list(payloads)
    for index, payload in enumerate(payloads):
        try:
            _check_payload(payload, kind)
        except InvalidInput as invalid:
            if len(payloads) == 1:
                raise
            errors = [FieldError(f"[{index}].{error.field}", error.message) for error in invalid.errors]
            raise InvalidInput(invalid.detail, errors) from None
    return [signed.text for signed in _sign(payloads, now=now, days=days)]


@dataclass(frozen=True)
class Signed:
    text: str
    kid: str
    issued_at: dt.datetime
    expires_at: dt.datetime


def _sign(payloads: list[dict[str, Any]], *, now: dt.datetime, days: int) -> list[Signed]:
    signing_key = active_key()
    if signing_key.not_after <= now:
        raise Conflict(_("The active signing key has expired: rotate it."))
    key = keystore.decrypt_private_key(signing_key.private_key_pem, f"dsc:{signing_key.kid}")
    kid = base64.b64decode(signing_key.kid)
    expires = min(now + dt.timedelta(days=days), signing_key.not_after)
    # CWT times are whole seconds: the stored times are the ones in the certificate.
    issued_at = dt.datetime.fromtimestamp(int(now.timestamp()), tz=dt.UTC)
    expires_at = dt.datetime.fromtimestamp(int(expires.timestamp()), tz=dt.UTC)
    return [
        Signed(
            hcert.encode(payload, key, kid, issuer=keystore.COUNTRY, issued_at=now, expires=expires),
            signing_key.kid,
            issued_at,
            expires_at,
        )
        for payload in payloads
    ]


def issue_signed(
    payload: dict[str, Any], kind: str, *, now: dt.datetime | None = None, days: int = CERTIFICATE_DAYS
) -> Signed:
    """Like :func:`issue`, with the key id and the times written into the certificate."""
    now = now or timezone.now()
    _check_payload(payload, kind)
    return _sign([payload], now=now, days=days)[0]


def issue(payload: dict[str, Any], kind: str, *, now: dt.datetime | None = None, days: int = CERTIFICATE_DAYS) -> str:
    """The HC1 string of a signed EU DCC for ``payload`` (a DCC 1.3.0 object) of type ``kind`` (v, t or r)."""
    return issue_batch([payload], kind, now=now, days=days)[0]


def issue_vaccination_certificate(payload: dict[str, Any], *, now: dt.datetime | None = None) -> str:
    return issue(payload, "v", now=now)


# The trust list as this worker last read it: a gateway verifies certificates every few milliseconds, and reading
# and parsing every X.509 certificate each time cost more than the signature check. Saving or deleting a key
# through this process clears it (certificates.apps); other workers see a change within the ttl.
_TRUST_LISTS: Memo[TrustList] = Memo("trust-lists", ttl=10)


def trust_list(*, at: dt.datetime | None = None) -> TrustList:
    """Our signing keys and the imported certificates, expired ones included: a certificate signed by a key
    that has since expired is then answered ``expired`` (the verifier checks the key's validity at ``at``),
    not ``unknown_issuer``. ``at`` is kept for callers; every key is listed whatever the time."""
    return _TRUST_LISTS.get_or_compute("all", _read_trust_list)


def _read_trust_list() -> TrustList:
    keys = [
        TrustedKey(x509.load_der_x509_certificate(bytes(key.certificate_der)), keystore.COUNTRY)
        for key in SigningKey.objects.all()
    ]
    keys += [
        TrustedKey(x509.load_der_x509_certificate(bytes(other.certificate_der)), other.country)
        for other in TrustedCertificate.objects.all()
    ]
    return TrustList(keys)


def verify_certificate(text: str, *, at: dt.datetime | None = None) -> Verdict:
    """The verdict on an HC1 text at ``at`` against our trust list; a certificate we issued and revoked
    by then is answered ``revoked``."""
    at = at or timezone.now()
    verdict = verify(text, trust_list(at=at), at)
    if verdict.valid and verdict.payload is not None:
        uvcis = [
            str(entry.get("ci"))
            for group in KINDS
            for entry in (verdict.payload.get(group) or [])
            if isinstance(entry, dict) and entry.get("ci")
        ]
        if uvcis and IssuedCertificate.objects.filter(uvci__in=uvcis, revoked_at__lte=at).exists():
            verdict.valid = False
            verdict.reason, verdict.detail = "revoked", "the issuer revoked this certificate"
    return verdict


def export_trust_list(*, at: dt.datetime | None = None) -> list[dict[str, str]]:
    """Our unexpired document signers, as others import them: kid and certificate in base64."""
    at = at or timezone.now()
    return [
        {
            "kid": key.kid,
            "country": keystore.COUNTRY,
            "certificate": base64.b64encode(bytes(key.certificate_der)).decode("ascii"),
        }
        for key in SigningKey.objects.filter(not_after__gt=at).order_by("pk")
    ]


def parse_trust_list(entries: object) -> list[TrustedKey]:
    """Entries {kid, country, certificate} checked: the kid must be the certificate's own."""
    if not isinstance(entries, list):
        raise InvalidInput(_("A trust list is a JSON list of {kid, country, certificate}."))
    keys: list[TrustedKey] = []
    errors: list[FieldError] = []
    for index, entry in enumerate(entries):
        where = f"[{index}]"
        if not isinstance(entry, dict):
            errors.append(FieldError(where, _("Each entry is an object.")))
            continue
        try:
            certificate = x509.load_der_x509_certificate(
                base64.b64decode(str(entry.get("certificate", "")), validate=True)
            )
        except (ValueError, binascii.Error):
            errors.append(FieldError(f"{where}.certificate", _("Not a base64 DER X.509 certificate.")))
            continue
        kid = x509util.kid_of(certificate)
        if str(entry.get("kid", "")) != _kid_text(kid):
            errors.append(
                FieldError(f"{where}.kid", _("The kid is not the certificate's (first 8 bytes of its SHA-256)."))
            )
            continue
        country = str(entry.get("country", ""))
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            errors.append(FieldError(f"{where}.country", _("The country is a two-letter ISO code.")))
            continue
        keys.append(TrustedKey(certificate, country, kid))
    if errors:
        raise InvalidInput(_("The trust list has errors; nothing was imported."), errors)
    return keys


def import_trust_list(actor: User | None, entries: object, *, source: str = "") -> int:
    """Store others' document signers; returns how many were new. All or nothing."""
    keys = parse_trust_list(entries)
    created = 0
    with transaction.atomic():
        for key in keys:
            der = key.certificate.public_bytes(Encoding.DER)
            _row, new = TrustedCertificate.objects.get_or_create(
                fingerprint=hashlib.sha256(der).hexdigest(),
                defaults={
                    "kid": _kid_text(key.kid),
                    "country": key.country,
                    "certificate_der": der,
                    "not_after": key.certificate.not_valid_after_utc,
                    "source": source[:200],
                },
            )
            created += new
        audit.record(actor, AuditAction.CREATE, "trusted_certificate", detail={"entries": len(keys), "new": created})
    return created


def trusted_keys_from_files(blobs: Iterable[tuple[str, bytes]]) -> TrustList:
    """A trust list from files: PEM or DER X.509 certificates, or exported trust lists (JSON)."""
    keys: list[TrustedKey] = []
    for name, blob in blobs:
        stripped = blob.strip()
        if stripped.startswith(b"["):
            try:
                entries = json.loads(stripped.decode("utf-8"))
            except ValueError:
                raise InvalidInput(_("%(name)s is not valid JSON.") % {"name": name}) from None
            keys += parse_trust_list(entries)
            continue
        try:
            if b"-----BEGIN CERTIFICATE-----" in blob:
                certificates = x509.load_pem_x509_certificates(blob)
            else:
                certificates = [x509.load_der_x509_certificate(blob)]
        except ValueError:
            raise InvalidInput(_("%(name)s is not a certificate or a trust list.") % {"name": name}) from None
        keys += [TrustedKey(certificate) for certificate in certificates]
    return TrustList(keys)
