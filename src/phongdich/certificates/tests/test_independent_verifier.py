"""A certificate PhòngDịch issues verifies in an independent DCC implementation (PathCheck's JavaScript SDK)
given only the exported trust list, and fails there once one byte is changed.

CI installs the verifier (`npm ci --prefix tools/dcc-independent`); elsewhere the test says it is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from phongdich.certificates import services
from phongdich.certificates.dcc import base45
from phongdich.certificates.tests.verify_fixtures import full_course_certificate

TOOL = Path(__file__).resolve().parents[4] / "tools" / "dcc-independent"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (TOOL / "dist" / "dcc.js").is_file(),
    reason="the independent verifier is not built: see tools/dcc-independent/package.json (CI builds it)",
)


def independent_verdict(trust_list: list[dict[str, str]], certificate: str, tmp_path: Path) -> dict[str, Any]:
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(json.dumps(trust_list), encoding="utf-8")
    certificate_file = tmp_path / "certificate.txt"
    certificate_file.write_text(certificate, encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        ["node", str(TOOL / "verify.js"), str(trust_file), str(certificate_file)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # The SDK logs to stdout too; the verdict is the last line.
    verdict: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return verdict


@pytest.fixture
def certificate(units, make_account, make_person) -> str:
    return full_course_certificate(make_account, make_person)


def test_our_certificate_verifies_in_an_independent_verifier(certificate, tmp_path):
    verdict = independent_verdict(services.export_trust_list(), certificate, tmp_path)
    assert verdict["status"] == "verified", verdict
    assert verdict["payload"]["nam"]["fnt"] == "NGUYEN"
    assert verdict["payload"]["dob"] == "2001-07-15"
    assert verdict["payload"]["v"][0]["mp"] == "EU/1/21/1529"


def test_one_changed_byte_fails_in_the_independent_verifier(certificate, tmp_path):
    # Change one byte of the signed content (not of the text), then encode it again as a well-formed HC1.
    import zlib

    cose = bytearray(zlib.decompress(base45.decode(certificate.removeprefix("HC1:"))))
    position = len(cose) // 2
    cose[position] ^= 0x01
    changed = "HC1:" + base45.encode(zlib.compress(bytes(cose)))
    verdict = independent_verdict(services.export_trust_list(), changed, tmp_path)
    assert verdict["status"] != "verified", verdict


def test_an_empty_trust_list_trusts_nothing(certificate, tmp_path):
    verdict = independent_verdict([], certificate, tmp_path)
    assert verdict["status"] != "verified", verdict
