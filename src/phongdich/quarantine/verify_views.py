"""The public page a release certificate's QR opens: is this paper genuine, and still standing?

Anyone may scan the QR (an employer, a checkpoint, the person's landlord), so the page says as little as
it can: valid, revoked or not valid, with the certificate number, the holder's initials and birth year and
the end of quarantine; enough to match the paper in hand, nothing to learn a stranger's identity from. The
token is signed (``release_qr``), so the page cannot be used to look certificates up by guessing numbers.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, replace
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.quarantine.models import ReleaseCertificate
from phongdich.quarantine.release_qr import read_release

Status = Literal["valid", "revoked", "invalid"]


@dataclass(frozen=True)
class Verification:
    """What the page shows; only ``status`` when the token is not valid."""

    status: Status
    certificate_id: int | None = None
    number: str = ""
    initials: str = ""
    birth_year: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    revoked_on: dt.date | None = None


def initials(full_name: str) -> str:
    """ "Nguyễn Thị Hương" -> "N.T.H." (the first letter of each part of the name, in capitals)."""
    return "".join(f"{part[0].upper()}." for part in full_name.split() if part)


def verify_token(token: str) -> Verification:
    """The verdict on a token: signature, then the stored certificate (it must exist, match and not be revoked)."""
    try:
        claims = read_release(token)
    except ValueError:
        return Verification("invalid")
    certificate = (
        ReleaseCertificate.objects.select_related("order__person").filter(number=claims.certificate_number).first()
    )
    if certificate is None or not hmac.compare_digest(certificate.person_digest, claims.person_digest):
        # Signed by this server but no longer (or never) stored as such: not a paper to trust.
        return Verification("invalid")
    order = certificate.order
    person = order.person
    verification = Verification(
        "valid",
        certificate_id=certificate.pk,
        number=certificate.number,
        initials=initials(person.full_name),
        birth_year=person.date_of_birth.year if person.date_of_birth else None,
        start=order.start,
        end=claims.end,
    )
    if certificate.revoked_at is not None:
        return replace(verification, status="revoked", revoked_on=timezone.localtime(certificate.revoked_at).date())
    return verification


def _audit(request: HttpRequest, verification: Verification) -> None:
    if verification.status == "invalid":
        return
    actor = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    audit.record(
        actor,
        AuditAction.VIEW,
        "release_certificate",  # as the quarantine services name it
        verification.certificate_id,
        detail={"via": "public_verification", "status": verification.status},
    )


@require_GET
def verify_release(request: HttpRequest, token: str) -> HttpResponse:
    verification = verify_token(token)
    _audit(request, verification)
    status = 404 if verification.status == "invalid" else 200
    response = render(request, "quarantine/verify.html", {"verification": verification}, status=status)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response
