"""The 38 "common" cases of the EU DCC conformance data (dgc-testdata), each step its EXPECTEDRESULTS lists.

Every case carries its signing certificate (TESTCTX.CERTIFICATE, trusted here) and its clock
(TESTCTX.VALIDATIONCLOCK). A step whose key is absent is not run. See data/dcc-common/SOURCES.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography import x509
from PIL import Image, UnidentifiedImageError

from phongdich.certificates.dcc import hcert, schema, x509util
from phongdich.certificates.dcc.cose import verify_signature
from phongdich.certificates.dcc.verifier import TrustedKey, TrustList, check_time, verify

try:  # a QR image decoder, for the picture step (a development dependency)
    import zxingcpp
except ImportError:  # pragma: no cover
    zxingcpp = None

DATA = Path(__file__).parent / "data" / "dcc-common"
CASES = sorted(DATA.glob("*.json"))
# Which verdict reasons a failing step may show up as in the full verification.
STEP_REASONS = {
    "EXPECTEDUNPREFIX": {"bad_prefix"},
    "EXPECTEDB45DECODE": {"bad_base45"},
    "EXPECTEDCOMPRESSION": {"bad_compression"},
    "EXPECTEDDECODE": {"bad_cbor", "bad_cose"},
    "EXPECTEDVERIFY": {"bad_cbor", "bad_cose", "unknown_issuer", "bad_signature"},
    "EXPECTEDKEYUSAGE": {"wrong_key_usage"},
    "EXPECTEDEXPIRATIONCHECK": {"expired", "not_yet_valid"},
    "EXPECTEDSCHEMAVALIDATION": {"schema"},
    "EXPECTEDVALIDJSON": {"bad_cbor", "schema"},
    "EXPECTEDVALIDOBJECT": {"schema"},
    "EXPECTEDENCODE": set(),
}
PICTURE = "EXPECTEDPICTUREDECODE"  # run apart: it needs the QR decoder and the 2DCODE image


class Case:
    def __init__(self, path: Path) -> None:
        self.name = path.stem
        self.data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        context = self.data["TESTCTX"]
        self.certificate = x509.load_der_x509_certificate(base64.b64decode(context["CERTIFICATE"]))
        self.clock = dt.datetime.fromisoformat(context["VALIDATIONCLOCK"].replace("Z", "+00:00"))
        self.trust = TrustList([TrustedKey(self.certificate)])

    def hex(self, key: str) -> bytes | None:
        return bytes.fromhex(self.data[key]) if key in self.data else None

    # Each step's input is the case's own field for that layer when it has one, else the layer below decoded.
    def base45_text(self) -> str:
        return self.data["BASE45"] if "BASE45" in self.data else hcert.unprefix(self.data["PREFIX"])

    def compressed(self) -> bytes:
        return self.hex("COMPRESSED") or hcert.b45decode(self.base45_text())

    def cose(self) -> bytes:
        return self.hex("COSE") or hcert.decompress(self.compressed())

    def claims(self) -> hcert.Claims:
        return hcert.parse_claims(hcert.parse_cose(self.cose()).payload)


def _step(case: Case, step: str) -> bool:
    data = case.data
    if step == "EXPECTEDUNPREFIX":
        text = hcert.unprefix(data["PREFIX"])
        return "BASE45" not in data or text == data["BASE45"]
    if step == "EXPECTEDB45DECODE":
        raw = hcert.b45decode(case.base45_text())
        return "COMPRESSED" not in data or raw == case.hex("COMPRESSED")
    if step == "EXPECTEDCOMPRESSION":
        raw = hcert.decompress(case.compressed())
        return "COSE" not in data or raw == case.hex("COSE")
    if step == "EXPECTEDDECODE":
        dcc = case.claims().dcc
        if "CBOR" in data and hcert._thaw(cbor2.loads(case.hex("CBOR"))) != dcc:
            return False
        return "JSON" not in data or data["JSON"] == dcc
    if step == "EXPECTEDVERIFY":
        message = hcert.parse_cose(case.cose())
        keys = case.trust.get(message.kid or b"")
        return any(verify_signature(message, key.certificate.public_key()) for key in keys)  # type: ignore[arg-type]
    if step == "EXPECTEDVALIDJSON":
        return case.claims().dcc == data["JSON"]
    if step in ("EXPECTEDSCHEMAVALIDATION", "EXPECTEDVALIDOBJECT"):
        if "JSON" in data:
            payload = data["JSON"]
        elif "CBOR" in data:
            payload = hcert._thaw(cbor2.loads(case.hex("CBOR")))
        else:
            payload = case.claims().dcc
        return not schema.errors(payload)
    if step == "EXPECTEDENCODE":
        return hcert._thaw(cbor2.loads(case.hex("CBOR"))) == data["JSON"]
    if step == "EXPECTEDEXPIRATIONCHECK":
        return check_time(case.claims(), case.certificate, case.clock) is None
    if step == "EXPECTEDKEYUSAGE":
        kind = case.claims().kind
        return kind is not None and kind in x509util.allowed_types(case.certificate)
    raise AssertionError(f"unknown step {step}")


def picture_step(case: Case) -> bool | None:
    """The QR code in 2DCODE (a base64 PNG) reads as PREFIX; None when it cannot be run here."""
    if "2DCODE" not in case.data or zxingcpp is None:
        return None
    try:
        image = Image.open(io.BytesIO(base64.b64decode(case.data["2DCODE"])))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return False
    return any(code.text == case.data["PREFIX"] for code in zxingcpp.read_barcodes(image))


def run_step(case: Case, step: str) -> bool:
    try:
        return _step(case, step)
    except (hcert.StepError, ValueError, cbor2.CBORDecodeError):
        return False


def test_all_38_cases_are_here() -> None:
    assert len(CASES) == 38


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = Case(path)
    expected: dict[str, bool] = case.data["EXPECTEDRESULTS"]
    steps = [step for step in expected if step != PICTURE]
    unknown = set(steps) - set(STEP_REASONS)
    assert not unknown, f"steps this test does not know: {unknown}"
    for step in steps:
        assert run_step(case, step) is expected[step], f"{case.name}: {step} should be {expected[step]}"
    if PICTURE in expected:
        picture = picture_step(case)
        # B1 lists the step but carries no picture; without zxing-cpp no picture step runs.
        if picture is not None:
            assert picture is expected[PICTURE], f"{case.name}: {PICTURE} should be {expected[PICTURE]}"
        elif not steps:
            pytest.skip("the only step is the QR picture, and it cannot be run here")
    if not steps:
        return

    # The whole verifier agrees: valid when every listed step succeeds, else a reason one failing step explains.
    verdict = verify(case.data["PREFIX"], case.trust, at=case.clock)
    failing = [step for step in steps if not expected[step]]
    if not failing:
        assert verdict.valid, (verdict.reason, verdict.detail)
    else:
        assert not verdict.valid
        assert verdict.reason in set().union(*(STEP_REASONS[step] for step in failing)), verdict.reason
