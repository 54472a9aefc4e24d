"""The verification server's key HMAC (no database)."""

import base64
import hashlib
import hmac

import pytest

from phongdich.exposure.client.export import DiagnosisKey
from phongdich.exposure.client.verification import tek_hmac, tek_hmac_cleartext, tek_hmac_matches

KEY_A = DiagnosisKey(bytes(range(16)), 2_700_000, 144, 5)  # base64 "AAECAwQFBgcICQoLDA0ODw=="
KEY_B = DiagnosisKey(b"\xff" * 16, 2_700_144, 144, 0)  # base64 "/////////////////////w=="
KEY_C = DiagnosisKey(b"z" * 16, 2_699_856, 100, 1)  # base64 "enp6enp6enp6enp6enp6eg=="


def test_cleartext_is_sorted_by_base64_key():
    # "/" (0x2f) < "A" (0x41) < "e" (0x65): the sort is on the base64 text, not on the raw bytes.
    assert tek_hmac_cleartext([KEY_C, KEY_A, KEY_B]) == (
        "/////////////////////w==.2700144.144.0,AAECAwQFBgcICQoLDA0ODw==.2700000.144.5,enp6enp6enp6enp6enp6eg==.2699856.100.1"
    )
    assert base64.b64encode(KEY_C.key_data) == b"enp6enp6enp6enp6enp6eg=="


def test_hmac_value():
    secret = b"0123456789abcdef0123456789abcdef"
    expected = hmac.new(
        secret, b"AAECAwQFBgcICQoLDA0ODw==.2700000.144.5,enp6enp6enp6enp6enp6eg==.2699856.100.1", hashlib.sha256
    ).digest()
    assert tek_hmac([KEY_C, KEY_A], secret) == expected
    assert tek_hmac([KEY_A, KEY_C], secret) == expected
    assert tek_hmac_matches([KEY_A, KEY_C], secret, expected)


def test_any_change_changes_the_hmac():
    secret = b"k" * 32
    reference = tek_hmac([KEY_A], secret)
    assert tek_hmac([DiagnosisKey(KEY_A.key_data, 2_700_000, 144, 4)], secret) != reference
    assert tek_hmac([DiagnosisKey(KEY_A.key_data, 2_700_001, 144, 5)], secret) != reference
    assert tek_hmac([DiagnosisKey(KEY_A.key_data, 2_700_000, 143, 5)], secret) != reference
    assert tek_hmac([KEY_A], b"j" * 32) != reference
    assert not tek_hmac_matches([KEY_A, KEY_B], secret, reference)


def test_no_keys_is_an_error():
    with pytest.raises(ValueError, match="no keys"):
        tek_hmac([], b"k" * 32)
