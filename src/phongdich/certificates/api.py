"""/api/v1/certificates: verify an HC1 string against the trust list; issue, list and revoke certificates.

Verification stores nothing and logs nothing of the payload; issuing goes through certificates.issuing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from phongdich.certificates import issuing, rules, services
from phongdich.certificates.models import IssuedCertificate
from phongdich.core.api import ERRORS, InputSchema, actor, check_query_text

router = Router(tags=["certificates"])

MAX_ID = 2**63 - 1
MAX_PAYLOAD = 8 * 1024


class VerifyIn(Schema):
    # Not InputSchema: nothing is stored, and any text (NUL included) is answered with a verdict, not a 422.
    payload: str = Field(..., max_length=MAX_PAYLOAD, description="The text of the QR code", examples=["HC1:…"])
    at: dt.datetime | None = Field(None, description="Check validity at this time instead of now (ISO 8601)")
    country: str = Field(
        "VN", min_length=2, max_length=2, pattern="^[A-Za-z]{2}$", description="Country of arrival: whose rules apply"
    )


class HolderOut(Schema):
    name: str | None
    date_of_birth: str | None


class RuleResultOut(Schema):
    identifier: str
    version: str
    type: str = Field(..., description="Acceptance or Invalidation")
    certificate_type: str
    country: str
    result: str = Field(..., description="passed, failed or open (the rule could not be evaluated)")
    description: str
    affected_fields: list[str]


class AcceptanceOut(Schema):
    country: str
    accepted: bool = Field(..., description="Every applicable rule passed")
    rules: list[RuleResultOut]
    failed: list[RuleResultOut] = Field(..., description="The rules that failed or stayed open")


class VerifyOut(Schema):
    valid: bool
    reason: str | None
    detail: str
    kid: str | None
    issuer: str | None
    issued_at: dt.datetime | None
    expires_at: dt.datetime | None
    type: str | None
    holder: HolderOut | None
    payload: dict[str, Any] | None
    acceptance: AcceptanceOut | None = Field(
        None, description="The business rules (CertLogic) of the country of arrival; only for a valid certificate"
    )


class IssuedOut(Schema):
    payload: str = Field(..., description="The HC1 text of the QR code")
    expires_at: dt.datetime
    id: int
    kind: str = Field(..., description="vaccination, test or recovery")
    uvci: str
    issued_at: dt.datetime
    kid: str
    revoked_at: dt.datetime | None
    revoke_reason: str
    dcc: dict[str, Any]

    @staticmethod
    def of(certificate: IssuedCertificate) -> IssuedOut:
        return IssuedOut(
            payload=certificate.hc1,
            expires_at=certificate.expires_at,
            id=certificate.pk,
            kind=certificate.kind,
            uvci=certificate.uvci,
            issued_at=certificate.issued_at,
            kid=certificate.kid,
            revoked_at=certificate.revoked_at,
            revoke_reason=certificate.revoke_reason,
            dcc=certificate.dcc,
        )


class RevokeIn(InputSchema):
    reason: str = Field(..., max_length=300)


def _holder(payload: object) -> HolderOut | None:
    if not isinstance(payload, dict):
        return None
    name = payload.get("nam")
    parts: list[str] = []
    if isinstance(name, dict):
        family = name.get("fn") or name.get("fnt")
        given = name.get("gn") or name.get("gnt")
        parts = [str(part) for part in (family, given) if part]
    dob = payload.get("dob")
    return HolderOut(name=" ".join(parts) or None, date_of_birth=str(dob) if dob is not None else None)


@router.post("/verify", response={200: VerifyOut, **ERRORS}, summary="Verify an EU DCC (HC1 string)")
def verify_certificate(request: HttpRequest, data: VerifyIn) -> VerifyOut:
    at = data.at or timezone.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    verdict = services.verify_certificate(data.payload, at=at)
    body = verdict.as_json()
    payload = body["payload"] if isinstance(body["payload"], dict) else None
    accepted = rules.acceptance_of(verdict, at=at, country=data.country.upper())
    acceptance = accepted.as_json() if accepted is not None else None
    return VerifyOut(
        valid=verdict.valid,
        reason=verdict.reason,
        detail=verdict.detail,
        kid=verdict.kid,
        issuer=verdict.issuer,
        issued_at=verdict.issued_at,
        expires_at=verdict.expires,
        type=verdict.kind,
        holder=_holder(payload),
        payload=payload,
        acceptance=AcceptanceOut(**acceptance) if acceptance is not None else None,
    )


@router.post(
    "/vaccination/{person_id}", response={200: IssuedOut, **ERRORS}, summary="Issue a person's vaccination certificate"
)
def issue_vaccination(
    request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_ID, description="Person id")
) -> IssuedOut:
    """The person's current certificate of their latest dose: the stored one, or a new one when due."""
    return IssuedOut.of(issuing.issue_for_person(actor(request), person_id))


@router.post("/test/{result_id}", response={200: IssuedOut, **ERRORS}, summary="Issue a test certificate")
def issue_test(
    request: HttpRequest,
    result_id: int = Path(..., ge=1, le=MAX_ID, description="Test result id"),
    device: str = Query(
        "",
        max_length=20,
        description="A rapid antigen test's device id in the EU test-manufacturer-and-name value set",
        examples=["1232"],
    ),
) -> IssuedOut:
    """From a final (positive or negative), standing RT-PCR or staff-taken rapid antigen test result."""
    check_query_text(device=device)
    return IssuedOut.of(issuing.test_certificate(actor(request), result_id, device=device))


@router.post("/recovery/{person_id}", response={200: IssuedOut, **ERRORS}, summary="Issue a recovery certificate")
def issue_recovery(
    request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_ID, description="Person id")
) -> IssuedOut:
    """Valid from day 11 to day 180 after the first positive test of the person's latest infection."""
    return IssuedOut.of(issuing.recovery_certificate(actor(request), person_id))


@router.get("/issued", response={200: list[IssuedOut], **ERRORS}, summary="A person's issued certificates")
def list_issued(request: HttpRequest, person: int = Query(..., ge=1, le=MAX_ID)) -> list[IssuedOut]:
    _person, rows = issuing.person_certificates(actor(request), person)
    return [IssuedOut.of(c) for c in rows]


@router.get("/issued/{certificate_id}", response={200: IssuedOut, **ERRORS}, summary="One issued certificate")
def get_issued(
    request: HttpRequest, certificate_id: int = Path(..., ge=1, le=MAX_ID, description="Certificate id")
) -> IssuedOut:
    return IssuedOut.of(issuing.get_certificate(actor(request), certificate_id))


@router.post(
    "/issued/{certificate_id}/revoke", response={200: IssuedOut, **ERRORS}, summary="Revoke an issued certificate"
)
def revoke_issued(
    request: HttpRequest,
    data: RevokeIn,
    certificate_id: int = Path(..., ge=1, le=MAX_ID, description="Certificate id"),
) -> IssuedOut:
    """Kept on record, marked revoked: this installation's verifier answers ``revoked`` from then on."""
    return IssuedOut.of(issuing.revoke_certificate(actor(request), certificate_id, data.reason))
