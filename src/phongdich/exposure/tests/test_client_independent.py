"""Export files we write pass readers we did not write.

- tools/gaen-independent (Node): adm-zip opens the archive, protobufjs decodes both files from the
  published schema, Node's crypto checks the ECDSA signature. CI installs it
  (`npm ci --prefix tools/gaen-independent`); elsewhere those tests say it is missing.
- The `openssl` command checks the signature over the whole export.bin on its own.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from phongdich.exposure.client import export
from phongdich.exposure.client.export import DiagnosisKey, ExportBatch, ReportType

DATA = Path(__file__).parent / "data"
TOOL = Path(__file__).resolve().parents[4] / "tools" / "gaen-independent"

needs_node_reader = pytest.mark.skipif(
    shutil.which("node") is None or not (TOOL / "node_modules" / "protobufjs").is_dir(),
    reason="the independent reader is not installed: npm ci --prefix tools/gaen-independent (CI does)",
)


def _batch() -> ExportBatch:
    keys = [
        DiagnosisKey(
            bytes([n]) * 15 + b"\x07", 2_700_000 - 144 * (n % 14), 144, n % 8, n % 4 + 1 if n % 4 else 1, n - 7
        )
        for n in range(40)
    ]
    keys.append(DiagnosisKey(b"\xee" * 16, 2_700_000, 90, 0, ReportType.SELF_REPORT, None))
    revised = [DiagnosisKey(b"\x05" * 15 + b"\x07", 2_699_424, 144, 0, ReportType.REVOKED, None)]
    return ExportBatch("VN-22", 1, 2, 1_632_700_800, 1_632_787_200, keys, revised)


def _key_json(key: DiagnosisKey) -> dict[str, Any]:
    return {
        "key_data": base64.b64encode(key.key_data).decode(),
        "rolling_start_interval_number": key.rolling_start_interval_number,
        "rolling_period": key.rolling_period,
        "transmission_risk_level": key.transmission_risk_level,
        "report_type": key.report_type,
        "days_since_onset_of_symptoms": key.days_since_onset_of_symptoms,
    }


def _node_verdict(keys_text: str, data: bytes, tmp_path: Path) -> dict[str, Any]:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(keys_text, encoding="utf-8")
    zip_file = tmp_path / "export.zip"
    zip_file.write_bytes(data)
    result = subprocess.run(  # noqa: S603
        ["node", str(TOOL / "verify.js"), str(keys_file), str(zip_file)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    verdict: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return verdict


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@needs_node_reader
def test_the_independent_reader_accepts_and_rejects_the_reference_sample(tmp_path):
    listing = (DATA / "verification_public_keys.txt").read_text()
    sample = (DATA / "internals_sample_diagnosis_key_file.zip").read_bytes()
    verdict = _node_verdict(listing, sample, tmp_path)
    assert verdict["status"] == "verified", verdict
    assert len(verdict["export"]["keys"]) == 140
    other = "\n".join(line for line in listing.splitlines() if line.startswith("ExampleServer-v1"))
    assert _node_verdict(other, sample, tmp_path)["status"] == "invalid"


@needs_node_reader
def test_our_export_verifies_and_reads_the_same_in_the_independent_reader(tmp_path):
    signing_key = export.generate_signing_key("452", "v1")
    batch = _batch()
    data = export.write_export_zip(batch, [signing_key])
    verdict = _node_verdict(export.public_key_line(signing_key), data, tmp_path)
    assert verdict["status"] == "verified", verdict
    assert verdict["key"] == "452-v1"
    decoded = verdict["export"]
    assert (decoded["region"], decoded["batch_num"], decoded["batch_size"]) == ("VN-22", 1, 2)
    assert (decoded["start_timestamp"], decoded["end_timestamp"]) == (1_632_700_800, 1_632_787_200)
    assert decoded["signature_infos"] == [{"key_id": "452", "key_version": "v1", "algorithm": "1.2.840.10045.4.3.2"}]
    assert decoded["keys"] == [_key_json(key) for key in batch.keys]
    assert decoded["revised_keys"] == [_key_json(key) for key in batch.revised_keys]


@needs_node_reader
def test_the_independent_reader_rejects_our_tampered_or_foreign_signed_export(tmp_path):
    signing_key = export.generate_signing_key("452", "v1")
    data = export.write_export_zip(_batch(), [signing_key])
    members = _members(data)
    content = members["export.bin"]
    members["export.bin"] = content[:50] + bytes([content[50] ^ 0x01]) + content[51:]
    verdict = _node_verdict(export.public_key_line(signing_key), _zip(members), tmp_path)
    assert verdict["status"] == "invalid"
    assert "signature" in verdict["reason"]
    impostor = export.generate_signing_key("452", "v1")
    assert _node_verdict(export.public_key_line(impostor), data, tmp_path)["status"] == "invalid"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_openssl_verifies_our_signature_over_the_whole_export_bin(tmp_path):
    signing_key = export.generate_signing_key("452", "v1")
    members = _members(export.write_export_zip(_batch(), [signing_key]))
    signature_list = export.TEKSignatureList()
    signature_list.ParseFromString(members["export.sig"])
    (tmp_path / "export.bin").write_bytes(members["export.bin"])
    (tmp_path / "signature.der").write_bytes(signature_list.signatures[0].signature)
    (tmp_path / "public.pem").write_bytes(
        signing_key.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )

    def openssl_verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [  # noqa: S607
                "openssl",
                "dgst",
                "-sha256",
                "-verify",
                str(tmp_path / "public.pem"),
                "-signature",
                str(tmp_path / "signature.der"),
                str(tmp_path / "export.bin"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    result = openssl_verify()
    assert result.returncode == 0 and "Verified OK" in result.stdout, result.stdout + result.stderr
    (tmp_path / "export.bin").write_bytes(members["export.bin"][:16])  # the header alone is not what was signed
    assert openssl_verify().returncode != 0
