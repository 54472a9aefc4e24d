"""Issuing with our keys and verifying: round trips, tampering, unknown keys, time, rotation, trust lists."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import io
import json
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from phongdich.certificates import keystore, services
from phongdich.certificates.benchmarks import SAMPLE
from phongdich.certificates.dcc import base45, cose, hcert, x509util
from phongdich.certificates.dcc.verifier import REASONS, TrustedKey, TrustList, verify
from phongdich.certificates.models import SigningKey, TrustedCertificate
from phongdich.core.errors import Conflict, InvalidInput

DATA = Path(__file__).parent / "data" / "dcc-common"


def vaccination(**changes: object) -> dict:
    payload = copy.deepcopy(SAMPLE)
    payload.update(changes)
    return payload


@pytest.fixture
def signing_key(db: None) -> SigningKey:
    return services.rotate_key(None)


def _layers(text: str) -> bytes:
    return hcert.decompress(base45.decode(hcert.unprefix(text)))


def _rewrap(cose_bytes: bytes) -> str:
    return hcert.PREFIX + base45.encode(zlib.compress(cose_bytes))


def test_issue_then_verify_is_valid(signing_key: SigningKey) -> None:
    text = services.issue_vaccination_certificate(vaccination())
    assert text.startswith("HC1:")
    verdict = services.verify_certificate(text)
    assert verdict.valid, (verdict.reason, verdict.detail)
    assert verdict.reason is None
    assert verdict.payload == vaccination()
    assert verdict.kind == "v"
    assert verdict.kid == signing_key.kid
    assert verdict.issuer == "VN"
    # kid is the first 8 bytes of the SHA-256 of the signing certificate's DER; alg is ES256, protected.
    message = hcert.parse_cose(_layers(text))
    assert message.protected == {cose.HEADER_ALG: cose.ES256, cose.HEADER_KID: base64.b64decode(signing_key.kid)}
    assert len(message.signature) == 64


def test_our_signing_certificate_carries_the_dcc_key_usages(signing_key: SigningKey) -> None:
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(bytes(signing_key.certificate_der))
    assert x509util.allowed_types(certificate) == {"v", "t", "r"}
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {oid.dotted_string for oid in eku} == set(x509util.DCC_EKU)


def test_every_flipped_byte_of_the_cose_message_is_caught(signing_key: SigningKey) -> None:
    text = services.issue_vaccination_certificate(vaccination())
    original = _layers(text)
    message = hcert.parse_cose(original)
    payload_at = original.index(message.payload)
    signature_at = len(original) - len(message.signature)
    trust = services.trust_list()
    for position in range(len(original)):
        tampered = bytearray(original)
        tampered[position] ^= 0x01
        verdict = verify(_rewrap(bytes(tampered)), trust)
        assert not verdict.valid, position
        if payload_at <= position < payload_at + len(message.payload) or position >= signature_at:
            assert verdict.reason == "bad_signature", (position, verdict.reason)
        else:
            assert verdict.reason in {"bad_cbor", "bad_cose", "unknown_issuer", "bad_signature"}, (position, verdict)


def test_every_flipped_byte_of_the_compressed_data_is_caught(signing_key: SigningKey) -> None:
    text = services.issue_vaccination_certificate(vaccination())
    compressed = base45.decode(hcert.unprefix(text))
    trust = services.trust_list()
    original = hcert.decompress(compressed)
    unchanged = []
    for position in range(len(compressed)):
        for bit in range(8):
            tampered = bytearray(compressed)
            tampered[position] ^= 1 << bit
            verdict = verify(hcert.PREFIX + base45.encode(bytes(tampered)), trust)
            if verdict.valid:
                # Only the padding bits after the last deflate block may change without changing the content.
                assert hcert.decompress(bytes(tampered)) == original
                unchanged.append((position, bit))
            else:
                assert verdict.reason == "bad_compression", (position, bit, verdict.reason)
    assert len(unchanged) < 8
    assert {position for position, _bit in unchanged} <= {len(compressed) - 5}


def test_a_key_not_in_the_trust_list_is_an_unknown_issuer(signing_key: SigningKey) -> None:
    text = services.issue_vaccination_certificate(vaccination())
    case = json.loads((DATA / "CO3.json").read_text())
    from cryptography import x509

    other = x509.load_der_x509_certificate(base64.b64decode(case["TESTCTX"]["CERTIFICATE"]))
    verdict = verify(text, TrustList([TrustedKey(other)]))
    assert (verdict.valid, verdict.reason) == (False, "unknown_issuer")


def test_validity_in_time(signing_key: SigningKey) -> None:
    now = timezone.now()
    text = services.issue(vaccination(), "v", now=now, days=30)
    assert services.verify_certificate(text, at=now + dt.timedelta(days=29)).valid
    expired = services.verify_certificate(text, at=now + dt.timedelta(days=31))
    assert (expired.valid, expired.reason) == (False, "expired")
    early = services.verify_certificate(text, at=now - dt.timedelta(hours=1))
    assert (early.valid, early.reason) == (False, "not_yet_valid")


def test_rotation_keeps_old_keys_verifying_until_they_expire(db: None) -> None:
    now = timezone.now()
    old = services.rotate_key(None, days=10, now=now)
    old_text = services.issue_vaccination_certificate(vaccination(), now=now)
    new = services.rotate_key(None, now=now)
    new_text = services.issue_vaccination_certificate(vaccination(), now=now)
    old.refresh_from_db()
    assert not old.active and new.active
    assert SigningKey.objects.filter(active=True).count() == 1
    assert services.verify_certificate(old_text).kid == old.kid
    assert services.verify_certificate(old_text).valid
    assert services.verify_certificate(new_text).kid == new.kid
    # The old certificate expired with its key: past that, it is answered expired (not an unknown issuer),
    # and the key is no longer exported to others.
    later = now + dt.timedelta(days=11)
    assert services.verify_certificate(old_text, at=later).reason == "expired"
    assert services.verify_certificate(new_text, at=later).valid
    assert [entry["kid"] for entry in services.export_trust_list(at=later)] == [new.kid]


def test_issue_refuses_a_payload_outside_the_schema_or_of_another_type(signing_key: SigningKey) -> None:
    with pytest.raises(InvalidInput) as raised:
        services.issue_vaccination_certificate(vaccination(dob="12/03/1985"))
    assert [e.field for e in raised.value.errors] == ["payload"]
    with pytest.raises(InvalidInput) as raised:
        services.issue(vaccination(), "t")
    assert raised.value.errors[0].field == "t"


def test_issue_batch_is_all_or_nothing(signing_key: SigningKey) -> None:
    texts = services.issue_batch([vaccination(), vaccination(dob="1990")], "v")
    assert [services.verify_certificate(text).payload["dob"] for text in texts] == ["1985-03-12", "1990"]
    with pytest.raises(InvalidInput) as raised:
        services.issue_batch([vaccination(), vaccination(nam={"fnt": "nguyen"})], "v")
    assert [e.field for e in raised.value.errors] == ["[1].payload"]


def test_issue_without_a_key_is_a_conflict(db: None) -> None:
    with pytest.raises(Conflict):
        services.issue_vaccination_certificate(vaccination())


def test_garbage_and_truncations_get_a_verdict(signing_key: SigningKey) -> None:
    text = services.issue_vaccination_certificate(vaccination())
    trust = services.trust_list()
    samples = ["", "HC1:", "HC1", "hello", "HC1:::::", "HC1:" + "A" * 1000, "HC1:00", "\x00HC1:", text + "A"]
    samples += [text[:length] for length in range(len(text))]
    for sample in samples:
        verdict = verify(sample, trust)
        assert not verdict.valid
        assert verdict.reason in REASONS, (sample, verdict.reason)
    assert verify(None, trust).reason == "bad_prefix"  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text() | st.binary().map(lambda b: "HC1:" + base45.encode(zlib.compress(b))))
def test_random_input_gets_a_verdict(sample: str) -> None:
    verdict = verify(sample, TrustList())
    assert not verdict.valid
    assert verdict.reason in REASONS


def test_the_codec_signs_and_verifies_ps256_too() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = cose.sign(b"payload", key, b"12345678")
    message = cose.decode(signed)
    assert message.alg == cose.PS256
    assert cose.verify_signature(message, key.public_key())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not cose.verify_signature(message, stranger.public_key())
    # ES256 signatures are raw r||s, and an EC key does not verify a PS256 message.
    ec_key = ec.generate_private_key(ec.SECP256R1())
    assert not cose.verify_signature(message, ec_key.public_key())


def test_a_signer_restricted_to_tests_may_not_sign_vaccinations() -> None:
    now = dt.datetime.now(dt.UTC)
    csca_key, csca = keystore.make_csca(now, 30)
    key, certificate = keystore.make_dsc(csca_key, csca, now, 10, types=("t",))
    text = hcert.encode(
        vaccination(),
        key,
        x509util.kid_of(certificate),
        issuer="VN",
        issued_at=now,
        expires=now + dt.timedelta(days=1),
    )
    verdict = verify(text, TrustList([TrustedKey(certificate)]), now)
    assert (verdict.valid, verdict.reason) == (False, "wrong_key_usage")


def test_trust_list_export_and_import(signing_key: SigningKey) -> None:
    exported = services.export_trust_list()
    assert exported == [
        {
            "kid": signing_key.kid,
            "country": "VN",
            "certificate": base64.b64encode(bytes(signing_key.certificate_der)).decode(),
        }
    ]
    case = json.loads((DATA / "CO3.json").read_text())
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(base64.b64decode(case["TESTCTX"]["CERTIFICATE"]))
    entry = {
        "kid": base64.b64encode(x509util.kid_of(certificate)).decode(),
        "country": "AT",
        "certificate": case["TESTCTX"]["CERTIFICATE"],
    }
    with pytest.raises(InvalidInput):
        services.import_trust_list(None, [entry, {**entry, "kid": "AAAAAAAAAAA="}])
    assert not TrustedCertificate.objects.exists()
    assert services.import_trust_list(None, [entry]) == 1
    assert services.import_trust_list(None, [entry]) == 0
    clock = dt.datetime.fromisoformat(case["TESTCTX"]["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    assert services.verify_certificate(case["PREFIX"], at=clock).valid


def test_verify_certificate_command(signing_key: SigningKey, tmp_path: Path) -> None:
    case = json.loads((DATA / "CO3.json").read_text())
    from cryptography import x509

    der = base64.b64decode(case["TESTCTX"]["CERTIFICATE"])
    pem = tmp_path / "signer.pem"
    pem.write_bytes(x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM))
    payload = tmp_path / "payload.txt"
    payload.write_text(case["PREFIX"] + "\n")
    out = io.StringIO()
    clock = case["TESTCTX"]["VALIDATIONCLOCK"]
    call_command("verify_certificate", str(payload), trust=[str(pem)], at=clock, stdout=out)
    assert json.loads(out.getvalue())["valid"] is True

    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_certificate", case["PREFIX"], trust=[str(pem)], stdout=out)  # now: long expired
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["reason"] == "expired"

    # Without --trust: the installation's own keys; an exported trust list works as a --trust file too.
    ours = services.issue_vaccination_certificate(vaccination())
    out = io.StringIO()
    call_command("verify_certificate", ours, stdout=out)
    assert json.loads(out.getvalue())["payload"]["v"][0]["co"] == "VN"
    listing = tmp_path / "trust.json"
    listing.write_text(json.dumps(services.export_trust_list()))
    out = io.StringIO()
    call_command("verify_certificate", ours, trust=[str(listing)], stdout=out)
    assert json.loads(out.getvalue())["valid"] is True


def test_rotate_and_trust_list_commands(db: None, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("certificates_rotate_key", stdout=out)
    key = SigningKey.objects.get(active=True)
    assert key.kid in out.getvalue()
    listing = tmp_path / "trust.json"
    call_command("certificates_trust_list", "export", str(listing))
    assert json.loads(listing.read_text())[0]["kid"] == key.kid


def test_the_benchmark_runs() -> None:
    from phongdich.certificates import benchmarks
    from phongdich.synth.benchmarks import BENCHMARKS

    assert "certificates" in BENCHMARKS
    figures = benchmarks.run({"count": 20})
    assert figures["valid"] == 20 and figures["issue_per_second"] > 0 and figures["verify_per_second"] > 0
