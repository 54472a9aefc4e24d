"""The release certificate's QR: a compact signed token naming the certificate, whom it is for and its end date.

The token is ``<end yyyymmdd>~<person digest>~<certificate number>:<signature>`` signed with django.core.signing
under its own salt, the way the personal QR (``checkins.personal_qr``) is signed: nobody can make one up or
change the date without the server's key, and it carries no name or ID number (the person digest is whatever
the issuer derives from the person, e.g. a keyed hash; the verification page compares it with the stored
certificate). The QR holds the address of the public verification page, :func:`verify_url`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing

SALT = "phongdich.quarantine.release_qr"
FIELD_SEPARATOR = "~"
MAX_TOKEN_LENGTH = 200
VERIFY_PREFIX = "/q/verify/"
# Numbers and digests stay printable, short and safe in a URL path; the separator and the signer's ":" would
# break parsing. A certificate number may hold "/" (the order numbers do: "<commune>/<year>/<n>").
_NUMBER = re.compile(r"[A-Za-z0-9._\-/]{1,64}")
_DIGEST = re.compile(r"[A-Za-z0-9._\-]{1,64}")


def _signer() -> signing.Signer:
    # Made per call: the signer reads SECRET_KEY (and its fallbacks, for key rotation) when it is made.
    return signing.Signer(salt=SALT)


@dataclass(frozen=True)
class ReleaseClaims:
    """What a genuine token says."""

    certificate_number: str
    person_digest: str
    end: dt.date


def sign_release(certificate_number: str, person_digest: str, end: dt.date) -> str:
    """The signed token for a release certificate. ValueError if the number or digest cannot be carried."""
    number, digest = str(certificate_number), str(person_digest)
    if not _NUMBER.fullmatch(number):
        raise ValueError("certificate number must be 1-64 of A-Z a-z 0-9 . _ - /")
    if not _DIGEST.fullmatch(digest):
        raise ValueError("person digest must be 1-64 of A-Z a-z 0-9 . _ -")
    return _signer().sign(FIELD_SEPARATOR.join((end.strftime("%Y%m%d"), digest, number)))


def verify_url(token: str) -> str:
    """The verification page's absolute path for a token (the QR holds the site address before it)."""
    return VERIFY_PREFIX + quote(token, safe=":~/")


def verify_link(token: str) -> str:
    """The full address a phone opens: the site's public address (setting ``SITE_URL``) and :func:`verify_url`."""
    site = str(settings.PHONGDICH.get("SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return site + verify_url(token)


def read_release(token: str) -> ReleaseClaims:
    """The claims of a genuine token; ValueError naming the reason for anything else."""
    text = str(token or "").strip()
    if not text:
        raise ValueError("empty token")
    if len(text) > MAX_TOKEN_LENGTH:
        raise ValueError("token too long")
    try:
        value = _signer().unsign(text)
    except signing.BadSignature:
        raise ValueError("bad signature") from None
    parts = value.split(FIELD_SEPARATOR)
    if len(parts) != 3 or not _DIGEST.fullmatch(parts[1]) or not _NUMBER.fullmatch(parts[2]):
        raise ValueError("malformed token")
    day, digest, number = parts
    try:
        end = dt.datetime.strptime(day, "%Y%m%d").date()
    except ValueError:
        raise ValueError("malformed end date") from None
    return ReleaseClaims(certificate_number=number, person_digest=digest, end=end)
