"""The HC1 layers, one function a step: prefix, Base45, zlib, COSE_Sign1, CWT claims; and issuing."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from phongdich.certificates.dcc import base45, cose

PREFIX = "HC1:"
CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_HCERT = -260
HCERT_EU_DCC = 1
MAX_DECOMPRESSED = 64 * 1024  # a QR code holds under 3 kB; refuse anything that inflates past this


class StepError(ValueError):
    """A layer could not be decoded; ``reason`` is the verdict's reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Claims:
    issuer: str | None
    issued_at: dt.datetime | None
    expires: dt.datetime | None
    dcc: dict[str, Any]

    @property
    def kind(self) -> str | None:
        """``v``, ``t`` or ``r``: the entry group the DCC carries (None when none or several)."""
        kinds = [k for k in ("v", "t", "r") if k in self.dcc]
        return kinds[0] if len(kinds) == 1 else None


def unprefix(text: str) -> str:
    text = text.strip()
    if not text.startswith(PREFIX):
        raise StepError("bad_prefix", f"does not start with {PREFIX}")
    return text[len(PREFIX) :]


def b45decode(text: str) -> bytes:
    try:
        return base45.decode(text)
    except base45.Base45Error as exc:
        raise StepError("bad_base45", str(exc)) from None


def decompress(data: bytes) -> bytes:
    try:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, MAX_DECOMPRESSED)
        if inflater.unconsumed_tail:
            raise StepError("bad_compression", "decompressed data too large")
        if not inflater.eof:
            raise StepError("bad_compression", "truncated zlib stream")
        if inflater.unused_data:
            raise StepError("bad_compression", "data after the end of the zlib stream")
        return out
    except zlib.error as exc:
        raise StepError("bad_compression", str(exc)) from None


def parse_cose(data: bytes) -> cose.Sign1:
    try:
        return cose.decode(data)
    except cose.CoseError as exc:
        raise StepError("bad_cbor" if exc.not_cbor else "bad_cose", str(exc)) from None


def _time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StepError("bad_cbor", "CWT times are numbers")
    try:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise StepError("bad_cbor", "CWT time out of range") from None


def _thaw(value: Any) -> Any:
    """Plain dicts and lists for what cbor2 may decode as frozendicts and tuples."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def parse_claims(payload: bytes) -> Claims:
    try:
        claims = cbor2.loads(payload)
    except Exception as exc:  # cbor2 raises several types on malformed input
        raise StepError("bad_cbor", f"CWT payload is not CBOR: {exc}") from None
    if not isinstance(claims, Mapping):
        raise StepError("bad_cbor", "CWT payload is not a map")
    hcert = claims.get(CLAIM_HCERT)
    dcc = hcert.get(HCERT_EU_DCC) if isinstance(hcert, Mapping) else None
    if not isinstance(dcc, Mapping):
        raise StepError("bad_cbor", "CWT has no EU DCC (claim -260 / 1)")
    issuer = claims.get(CLAIM_ISS)
    return Claims(
        issuer=issuer if isinstance(issuer, str) else None,
        issued_at=_time(claims.get(CLAIM_IAT)),
        expires=_time(claims.get(CLAIM_EXP)),
        dcc=_thaw(dcc),
    )


def decode(text: str) -> tuple[cose.Sign1, Claims]:
    """Every layer from the HC1 text to the claims, without checking the signature."""
    message = parse_cose(decompress(b45decode(unprefix(text))))
    return message, parse_claims(message.payload)


def encode(
    dcc: dict[str, Any],
    key: cose.PrivateKey,
    kid: bytes,
    *,
    issuer: str,
    issued_at: dt.datetime,
    expires: dt.datetime,
) -> str:
    claims = {
        CLAIM_ISS: issuer,
        CLAIM_IAT: int(issued_at.timestamp()),
        CLAIM_EXP: int(expires.timestamp()),
        CLAIM_HCERT: {HCERT_EU_DCC: dcc},
    }
    signed = cose.sign(cbor2.dumps(claims), key, kid)
    return PREFIX + base45.encode(zlib.compress(signed, 9))
