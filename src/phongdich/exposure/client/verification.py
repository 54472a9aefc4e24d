"""The verification server's HMAC over the keys a person uploads ("tekmac").

A health authority's verification server issues a certificate bound to an HMAC of the keys the phone
will upload, so the key server can check the upload is the one the verification code was used for. The
format is the one the Google exposure-notifications verification and key servers agreed on: the keys
sorted by their base64 key data, each written "base64(key).rollingStart.rollingPeriod.transmissionRisk",
joined with ",", HMAC-SHA256 with the phone's random HMAC key.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence

from phongdich.exposure.client.export import DiagnosisKey


def tek_hmac_cleartext(keys: Sequence[DiagnosisKey]) -> str:
    """The text the HMAC covers."""
    if not keys:
        raise ValueError("there are no keys to compute an HMAC over")
    lines = [
        (
            base64.b64encode(key.key_data).decode("ascii"),
            key.rolling_start_interval_number,
            key.rolling_period,
            key.transmission_risk_level,
        )
        for key in keys
    ]
    lines.sort(key=lambda line: line[0])
    return ",".join(f"{encoded}.{start}.{period}.{risk}" for encoded, start, period, risk in lines)


def tek_hmac(keys: Sequence[DiagnosisKey], hmac_key: bytes) -> bytes:
    """HMAC-SHA256 of the keys' cleartext (see :func:`tek_hmac_cleartext`) with the phone's HMAC key."""
    return hmac.digest(hmac_key, tek_hmac_cleartext(keys).encode("ascii"), "sha256")


def tek_hmac_matches(keys: Sequence[DiagnosisKey], hmac_key: bytes, expected: bytes) -> bool:
    """Whether `expected` is the keys' HMAC (compared in constant time)."""
    return hmac.compare_digest(tek_hmac(keys, hmac_key), expected)
