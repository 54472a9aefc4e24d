"""Keyed hashes of codes and the compact signed tokens (JWT, HS256) of the verification flow.

The verification token and the verification certificate are JSON Web Tokens (RFC 7519) signed with
HMAC-SHA256 under keys derived from ``SECRET_KEY`` by HKDF, one key per purpose, so a token can never be
presented as a certificate. The verification and key servers are one deployment here, which is why a
shared-secret signature is enough (the EN verification server signs with ES256 because its key server is
another organisation's).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

TOKEN_AUDIENCE = "phongdich.exposure.token"  # noqa: S105 - a purpose label, not a secret
CERTIFICATE_AUDIENCE = "phongdich.exposure.certificate"
ISSUER = "phongdich"
_HEADER = {"alg": "HS256", "typ": "JWT"}


class TokenError(ValueError):
    """A token that is malformed, signed with another key, for another purpose, or expired."""


@lru_cache(maxsize=8)
def _key(purpose: str, secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"phongdich.exposure", info=purpose.encode())
    return hkdf.derive(secret.encode("utf-8"))


def key_for(purpose: str) -> bytes:
    return _key(purpose, settings.SECRET_KEY)


def secret_hash(value: str) -> str:
    """The stored form of a code or token: HMAC-SHA256 under a server key (a leaked table reveals no code)."""
    return hmac.new(key_for("codes"), value.encode("utf-8"), hashlib.sha256).hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("not base64url") from None


def encode(claims: dict[str, Any], audience: str) -> str:
    body = {**claims, "aud": audience, "iss": ISSUER}
    signing_input = (
        _b64url(json.dumps(_HEADER, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    )
    signature = hmac.new(key_for(audience), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


def decode(token: str, audience: str, *, now: float | None = None) -> dict[str, Any]:
    """The claims of a token signed for ``audience`` and not expired; :class:`TokenError` otherwise."""
    if not isinstance(token, str) or len(token) > 4096 or not token.isascii():
        raise TokenError("malformed")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed")
    try:
        header = json.loads(_unb64url(parts[0]))
        claims = json.loads(_unb64url(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise TokenError("unsupported")
    expected = hmac.new(key_for(audience), f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _unb64url(parts[2])):
        raise TokenError("bad signature")
    if claims.get("aud") != audience or claims.get("iss") != ISSUER:
        raise TokenError("wrong audience")
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= (time.time() if now is None else now):
        raise TokenError("expired")
    return claims
