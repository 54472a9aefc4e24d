"""/api/v1/certificates: verify an HC1 string against the trust list, issue a person's certificate.

Verification stores nothing and logs nothing of the payload; issuing goes through certificates.issuing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from phongdich.certificates import issuing, services
from phongdich.core.api import ERRORS, actor

router = Router(tags=["certificates"])

MAX_ID = 2**63 - 1
MAX_PAYLOAD = 8 * 1024


class VerifyIn(Schema):
    # Not InputSchema: nothing is stored, and any text (NUL included) is answered with a verdict, not a 422.
    payload: str = Field(..., max_length=MAX_PAYLOAD, description="The text of the QR code", examples=["HC1:…"])
    at: dt.datetime | None = Field(None, description="Check validity at this time instead of now (ISO 8601)")


class HolderOut(Schema):
    name: str | None
    date_of_birth: str | None


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


class IssuedOut(Schema):
    payload: str
    expires_at: dt.datetime


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
    at = data.at
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    verdict = services.verify_certificate(data.payload, at=at)
    body = verdict.as_json()
    payload = body["payload"] if isinstance(body["payload"], dict) else None
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
    )


@router.post(
    "/vaccination/{person_id}", response={200: IssuedOut, **ERRORS}, summary="Issue a person's vaccination certificate"
)
def issue_vaccination(
    request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_ID, description="Person id")
) -> IssuedOut:
    issued = issuing.issue_for_person(actor(request), person_id)
    return IssuedOut(payload=issued.payload, expires_at=issued.expires_at)
