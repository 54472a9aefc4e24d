"""COSE_Sign1 (RFC 9052) signing and verification, for ES256 and PS256, over ``cryptography`` and ``cbor2``.

Sig_structure = ["Signature1", protected (bstr), external_aad (b""), payload (bstr)].
ES256 signatures are the raw r||s 64 bytes (not DER). ``alg`` and ``kid`` are read from the
protected header when present there, else from the unprotected one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

COSE_SIGN1_TAG = 18
CWT_TAG = 61
HEADER_ALG = 1
HEADER_KID = 4
ES256 = -7
PS256 = -37
PSS_SALT_LENGTH = 32
_ES256_HALF = 32

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CoseError(ValueError):
    """The bytes are not a well-formed COSE_Sign1 message (``not_cbor``: not even CBOR)."""

    def __init__(self, message: str, *, not_cbor: bool = False) -> None:
        super().__init__(message)
        self.not_cbor = not_cbor


@dataclass(frozen=True)
class Sign1:
    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes

    def header(self, label: int) -> Any:
        """A header parameter: the protected one when present, else the unprotected one."""
        if label in self.protected:
            return self.protected[label]
        return self.unprotected.get(label)

    @property
    def kid(self) -> bytes | None:
        kid = self.header(HEADER_KID)
        return kid if isinstance(kid, bytes) else None

    @property
    def alg(self) -> int | None:
        alg = self.header(HEADER_ALG)
        return alg if isinstance(alg, int) else None

    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected_bytes, self.payload)


def sig_structure(protected_bytes: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected_bytes, b"", payload])


def decode(data: bytes) -> Sign1:
    """Parse a COSE_Sign1: untagged, tag 18, or tag 61 (CWT) wrapping tag 18."""
    try:
        obj = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types on malformed input
        raise CoseError(f"not CBOR: {exc}", not_cbor=True) from None
    if isinstance(obj, cbor2.CBORTag) and obj.tag == CWT_TAG:
        obj = obj.value
        if not (isinstance(obj, cbor2.CBORTag) and obj.tag == COSE_SIGN1_TAG):
            raise CoseError("tag 61 must wrap a tag-18 COSE_Sign1")
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise CoseError(f"unexpected CBOR tag {obj.tag}")
        obj = obj.value
    # cbor2 decodes a tag's content as immutable: arrays as tuples, maps as frozendicts.
    if not isinstance(obj, list | tuple) or len(obj) != 4:
        raise CoseError("a COSE_Sign1 is an array of four items")
    protected_bytes, unprotected, payload, signature = obj
    if not isinstance(protected_bytes, bytes) or not isinstance(unprotected, Mapping):
        raise CoseError("bad COSE headers")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise CoseError("COSE payload and signature must be byte strings")
    protected: dict[Any, Any] = {}
    if protected_bytes:
        try:
            decoded = cbor2.loads(protected_bytes)
        except Exception as exc:
            raise CoseError(f"protected header is not CBOR: {exc}") from None
        if not isinstance(decoded, Mapping):
            raise CoseError("protected header is not a map")
        protected = dict(decoded)
    return Sign1(protected_bytes, protected, dict(unprotected), payload, signature)


def sign(payload: bytes, key: PrivateKey, kid: bytes, *, tag: bool = True) -> bytes:
    """A COSE_Sign1 with ``alg`` and ``kid`` in the protected header (ES256 for EC keys, PS256 for RSA)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = ES256
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = PS256
    else:
        raise TypeError("unsupported key type")
    protected_bytes = cbor2.dumps({HEADER_ALG: alg, HEADER_KID: kid})
    tbs = sig_structure(protected_bytes, payload)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(_ES256_HALF, "big") + s.to_bytes(_ES256_HALF, "big")
    else:
        signature = key.sign(tbs, _pss(), hashes.SHA256())
    message: Any = [protected_bytes, {}, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, message) if tag else message)


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)


def verify_signature(message: Sign1, key: PublicKey) -> bool:
    """True when the signature is good for ``key``; the algorithm must suit the key type."""
    tbs = message.to_be_signed()
    alg = message.alg
    try:
        if alg == ES256 and isinstance(key, ec.EllipticCurvePublicKey):
            if len(message.signature) != 2 * _ES256_HALF or not isinstance(key.curve, ec.SECP256R1):
                return False
            r = int.from_bytes(message.signature[:_ES256_HALF], "big")
            s = int.from_bytes(message.signature[_ES256_HALF:], "big")
            key.verify(encode_dss_signature(r, s), tbs, ec.ECDSA(hashes.SHA256()))
            return True
        if alg == PS256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(message.signature, tbs, _pss(), hashes.SHA256())
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
