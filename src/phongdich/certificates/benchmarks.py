"""``phongdich bench certificates``: EU DCC issue/s and verify/s in one process.

Uses a throw-away in-memory CSCA and document signer (nothing is written to the database), and the
same code paths as the service: the schema check and ``hcert.encode`` to issue (as ``issue_batch``
does, less its one database read), and the full ``verify`` (Base45, zlib, COSE, ES256 signature,
key usage, clock and the JSON schema) to verify.
"""

from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser
from typing import Any

from phongdich.certificates import keystore
from phongdich.certificates.dcc import hcert, schema, x509util
from phongdich.certificates.dcc.verifier import TrustedKey, TrustList, verify
from phongdich.synth.benchmarks import Benchmark, register

SAMPLE = {
    "ver": "1.3.0",
    "nam": {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Thị Lan", "gnt": "THI<LAN"},
    "dob": "1985-03-12",
    "v": [
        {
            "tg": "840539006",
            "vp": "1119349007",
            "mp": "EU/1/20/1528",
            "ma": "ORG-100030215",
            "dn": 2,
            "sd": 2,
            "dt": "2021-09-01",
            "co": "VN",
            "is": "Sở Y tế Quảng Ninh",
            "ci": "URN:UVCI:01:VN:QN000000001#X",
        }
    ],
}


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=5000, help="certificates to issue, then to verify")
    # coverage_ms: the vaccination coverage table at full scale, in its own database (vaccination.benchmarks).
    from phongdich.vaccination.benchmarks import add_to_certificates_arguments

    add_to_certificates_arguments(parser)


def run(options: dict[str, Any]) -> dict[str, Any]:
    count = max(1, int(options.get("count") or 5000))
    now = dt.datetime.now(dt.UTC)
    csca_key, csca = keystore.make_csca(now, 30)
    key, certificate = keystore.make_dsc(csca_key, csca, now, 30)
    kid = x509util.kid_of(certificate)
    expires = now + dt.timedelta(days=1)

    started = time.perf_counter()
    texts = []
    for _ in range(count):
        assert not schema.errors(SAMPLE)
        texts.append(hcert.encode(SAMPLE, key, kid, issuer="VN", issued_at=now, expires=expires))
    issue_seconds = time.perf_counter() - started

    trust = TrustList([TrustedKey(certificate)])
    started = time.perf_counter()
    valid = sum(verify(text, trust, now).valid for text in texts)
    verify_seconds = time.perf_counter() - started
    from phongdich.vaccination.benchmarks import coverage_for_certificates

    coverage_figures = coverage_for_certificates(options)
    return {
        **coverage_figures,
        "count": count,
        "issue_seconds": round(issue_seconds, 3),
        "issue_per_second": round(count / issue_seconds),
        "verify_seconds": round(verify_seconds, 3),
        "verify_per_second": round(count / verify_seconds),
        "valid": valid,
        "hc1_length": len(texts[0]),
    }


register(
    Benchmark(
        name="certificates", help="EU DCC issue/s and verify/s (ES256, one process)", add_arguments=_arguments, run=run
    )
)
