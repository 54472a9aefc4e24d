"""Exposure Notification cryptography against the specification's v1.2 test vectors (no database)."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from phongdich.exposure.client import crypto

DATA = Path(__file__).parent / "data"
VECTORS = json.loads((DATA / "en_crypto_test_vectors_v1.2.json").read_text())
TEK = bytes.fromhex(VECTORS["tek"])
START = VECTORS["ctinterval_number_of_generated_key"]
METADATA = bytes.fromhex(VECTORS["ble_metadata"])


def test_interval_number_of_the_vectors_key_generation_time():
    assert crypto.en_interval_number(VECTORS["key_generation_seconds"]) == START
    assert crypto.en_interval_number(VECTORS["key_generation_seconds"] + 599) == START
    assert crypto.en_interval_number(VECTORS["key_generation_seconds"] + 600) == START + 1
    assert crypto.day_start_interval(START + 143) == START  # the vectors' key starts on a day boundary


def test_derived_keys_match_the_vectors():
    assert crypto.rpi_key(TEK).hex() == VECTORS["rpik"]
    assert crypto.aem_key(TEK).hex() == VECTORS["aemk"]


@pytest.mark.parametrize("info", [b"EN-RPIK", b"EN-AEMK"])
def test_fast_hkdf_equals_the_library_hkdf(info):
    for _ in range(20):
        tek = os.urandom(16)
        expected = HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=info).derive(tek)
        derived = crypto.rpi_key(tek) if info == b"EN-RPIK" else crypto.aem_key(tek)
        assert derived == expected


def test_every_rpi_and_aem_of_the_vectors():
    entries = VECTORS["advertised_data"]
    assert len(entries) == 144
    rpis = crypto.rolling_proximity_identifiers(TEK, START)
    aemk = crypto.aem_key(TEK)
    for entry, rpi in zip(entries, rpis, strict=True):
        assert entry["en_interval_number"] == START + entry["i"]
        assert rpi.hex() == entry["rpi"], entry["i"]
        assert crypto.rolling_proximity_identifier(TEK, entry["en_interval_number"]) == rpi
        aem = crypto.encrypt_metadata(aemk, rpi, METADATA)
        assert aem.hex() == entry["aem"], entry["i"]
        assert crypto.decrypt_metadata(aemk, rpi, aem) == METADATA


def test_padded_data_layout():
    block = crypto.padded_data(START)
    assert block == b"EN-RPI" + bytes(6) + START.to_bytes(4, "little")
    assert crypto.padded_data_block(START, 3) == block + crypto.padded_data(START + 1) + crypto.padded_data(START + 2)


def test_metadata_round_trip():
    assert crypto.metadata_bytes(8) == METADATA
    assert crypto.read_metadata(METADATA) == (0x40, 8)
    assert crypto.read_metadata(crypto.metadata_bytes(-12)) == (0x40, -12)


def test_keys_are_random_and_sized():
    first, second = crypto.new_temporary_exposure_key(), crypto.new_temporary_exposure_key()
    assert len(first) == crypto.TEK_LENGTH
    assert first != second


def test_wrong_key_length_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        crypto.rpi_key(b"short")


def test_client_package_imports_without_django_settings():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import os, phongdich.exposure.client\n"
        "from phongdich.exposure.client import crypto, export, verification, matching, risk, phone\n"
        "print(len(crypto.rolling_proximity_identifiers(crypto.new_temporary_exposure_key(), 0)))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "144"


def test_client_package_has_no_django_import():
    # Importing `phongdich` itself loads Celery (which touches django.conf), so the rule is checked on the source.
    package = Path(crypto.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(("django", "ninja", "phongdich.")) or name.startswith(
                    "phongdich.exposure.client"
                ), f"{path.name} imports {name}"
