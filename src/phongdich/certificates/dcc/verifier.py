"""Verification of an HC1 string: every layer, the signature, the key usage, the clock and the schema.

``verify`` never raises: whatever the input, it returns a :class:`Verdict` whose ``reason`` is one of
:data:`REASONS` (None when valid).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from phongdich.certificates.dcc import hcert, schema, x509util
from phongdich.certificates.dcc.cose import verify_signature

REASONS = (
    "bad_prefix",
    "bad_base45",
    "bad_compression",
    "bad_cbor",
    "bad_cose",
    "unknown_issuer",
    "bad_signature",
    "wrong_key_usage",
    "expired",
    "not_yet_valid",
    "schema",
    "revoked",  # set by the installation's verifier for a certificate it issued and revoked
)


@dataclass(frozen=True)
class TrustedKey:
    """A document-signer certificate trusted to sign DCCs, with the country that published it."""

    certificate: x509.Certificate
    country: str = ""
    kid: bytes = b""

    def __post_init__(self) -> None:
        if not self.kid:
            object.__setattr__(self, "kid", x509util.kid_of(self.certificate))


class TrustList:
    """Trusted keys by ``kid``; several certificates may share one (the verifier tries each)."""

    def __init__(self, keys: Iterable[TrustedKey] = ()) -> None:
        self._by_kid: dict[bytes, list[TrustedKey]] = {}
        for key in keys:
            self.add(key)

    def add(self, key: TrustedKey) -> None:
        self._by_kid.setdefault(key.kid, []).append(key)

    def get(self, kid: bytes) -> list[TrustedKey]:
        return self._by_kid.get(kid, [])

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._by_kid.values())


@dataclass
class Verdict:
    valid: bool
    reason: str | None = None
    detail: str = ""
    kid: str | None = None
    issuer: str | None = None
    issued_at: dt.datetime | None = None
    expires: dt.datetime | None = None
    kind: str | None = None
    payload: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "detail": self.detail,
            "kid": self.kid,
            "issuer": self.issuer,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "type": self.kind,
            "payload": _jsonable(self.payload),
            "errors": self.errors,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def check_time(claims: hcert.Claims, certificate: x509.Certificate | None, at: dt.datetime) -> tuple[str, str] | None:
    """(reason, detail) when the certificate or its signing key is not valid at ``at``."""
    if claims.expires is not None and at > claims.expires:
        return "expired", f"expired at {claims.expires.isoformat()}"
    if claims.issued_at is not None and at < claims.issued_at:
        return "not_yet_valid", f"issued at {claims.issued_at.isoformat()}"
    if certificate is not None:
        if at > certificate.not_valid_after_utc:
            return "expired", f"signing certificate expired at {certificate.not_valid_after_utc.isoformat()}"
        if at < certificate.not_valid_before_utc:
            return "not_yet_valid", f"signing certificate valid from {certificate.not_valid_before_utc.isoformat()}"
    return None


def verify(text: str, trust: TrustList, at: dt.datetime | None = None) -> Verdict:
    at = at or dt.datetime.now(dt.UTC)
    try:
        return _verify(text, trust, at)
    except hcert.StepError as exc:
        return Verdict(valid=False, reason=exc.reason, detail=exc.detail)
    except Exception as exc:  # never let malformed input escape as an exception
        return Verdict(valid=False, reason="bad_cose", detail=f"{type(exc).__name__}: {exc}")


def _verify(text: str, trust: TrustList, at: dt.datetime) -> Verdict:
    if not isinstance(text, str):
        raise hcert.StepError("bad_prefix", "not text")
    message = hcert.parse_cose(hcert.decompress(hcert.b45decode(hcert.unprefix(text))))
    kid = message.kid
    kid_text = base64.b64encode(kid).decode("ascii") if kid else None
    if kid is None:
        return Verdict(valid=False, reason="unknown_issuer", detail="no kid in the COSE headers")
    candidates = trust.get(kid)
    if not candidates:
        return Verdict(valid=False, reason="unknown_issuer", detail="kid not in the trust list", kid=kid_text)
    signer = next((c for c in candidates if verify_signature(message, c.certificate.public_key())), None)  # type: ignore[arg-type]
    if signer is None:
        return Verdict(valid=False, reason="bad_signature", detail="signature does not verify", kid=kid_text)
    claims = hcert.parse_claims(message.payload)
    verdict = Verdict(
        valid=False,
        kid=kid_text,
        issuer=claims.issuer,
        issued_at=claims.issued_at,
        expires=claims.expires,
        kind=claims.kind,
        payload=claims.dcc,
    )
    if claims.kind is not None and claims.kind not in x509util.allowed_types(signer.certificate):
        verdict.reason, verdict.detail = "wrong_key_usage", f"the signing key may not sign type {claims.kind!r}"
        return verdict
    problem = check_time(claims, signer.certificate, at)
    if problem is not None:
        verdict.reason, verdict.detail = problem
        return verdict
    verdict.errors = schema.errors(claims.dcc)
    if verdict.errors:
        verdict.reason, verdict.detail = "schema", "the payload does not conform to the DCC schema 1.3.0"
        return verdict
    verdict.valid = True
    return verdict
