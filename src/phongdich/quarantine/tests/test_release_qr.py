"""The release certificate's signed token: round trip, compactness, and every way a forged one is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import override_settings

from phongdich.quarantine.release_qr import ReleaseClaims, read_release, sign_release, verify_link, verify_url

END = dt.date(2021, 12, 26)


def test_a_signed_token_reads_back_as_its_claims():
    token = sign_release("QN-2021-000123", "a1b2c3d4e5f6", END)
    assert read_release(token) == ReleaseClaims(
        certificate_number="QN-2021-000123", person_digest="a1b2c3d4e5f6", end=END
    )


def test_the_token_is_compact_and_carries_no_personal_data():
    token = sign_release("QN-2021-000123", "a1b2c3d4e5f6", END)
    assert len(token) < 90  # a small QR at level M
    assert token.startswith("20211226~a1b2c3d4e5f6~QN-2021-000123:")


def test_the_verify_url_is_the_public_page_path():
    token = sign_release("7", "d1", END)
    assert verify_url(token) == f"/q/verify/{token}"
    assert verify_url("a b") == "/q/verify/a%20b"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda token: token.replace("20211226", "20220126"), "bad signature"),  # a later end date
        (lambda token: token.replace("QN-2021-000123", "QN-2021-000124"), "bad signature"),  # another certificate
        (lambda token: token.replace("a1b2c3", "ffffff"), "bad signature"),  # another person
        (lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), "bad signature"),
        (lambda token: token.split(":")[0], "bad signature"),  # signature removed
        (lambda token: "", "empty token"),
        (lambda token: token + "x" * 200, "token too long"),
    ],
)
def test_a_changed_or_broken_token_is_refused_with_its_reason(change, reason):
    token = sign_release("QN-2021-000123", "a1b2c3d4e5f6", END)
    with pytest.raises(ValueError, match=reason):
        read_release(change(token))


def test_a_token_signed_with_another_key_or_for_another_purpose_is_refused():
    token = sign_release("QN-1", "abc", END)
    with override_settings(SECRET_KEY="another-installation-" + "x" * 40), pytest.raises(ValueError, match="signature"):
        read_release(token)
    # The same text signed by the personal-QR signer (another salt) is not a release token.
    other = signing.Signer(salt="phongdich.checkins.personal_qr").sign("20211226~abc~QN-1")
    with pytest.raises(ValueError, match="bad signature"):
        read_release(other)


def test_a_genuinely_signed_but_malformed_value_is_refused():
    from phongdich.quarantine.release_qr import SALT

    signer = signing.Signer(salt=SALT)
    with pytest.raises(ValueError, match="malformed token"):
        read_release(signer.sign("20211226~abc"))
    with pytest.raises(ValueError, match="malformed end date"):
        read_release(signer.sign("20211332~abc~QN-1"))


def test_order_style_numbers_with_slashes_round_trip_and_stay_readable_in_the_url():
    token = sign_release("GXN-06652/2021/00001", "0123456789abcdef0123456789abcdef", END)
    assert read_release(token).certificate_number == "GXN-06652/2021/00001"
    assert verify_url(token).startswith("/q/verify/20211226~0123456789abcdef0123456789abcdef~GXN-06652/2021/00001:")


@override_settings(PHONGDICH={"SITE_URL": "https://phongdich.quangninh.gov.vn/"})
def test_the_verify_link_is_the_full_address_on_the_public_site():
    token = sign_release("QN-1", "abc", END)
    assert verify_link(token) == f"https://phongdich.quangninh.gov.vn/q/verify/{token}"


@pytest.mark.parametrize(
    ("number", "digest"),
    [("", "abc"), ("QN:1", "abc"), ("QN~1", "abc"), ("QN-1", "a/b"), ("QN-1", "a~b"), ("QN-1", "x" * 65)],
)
def test_numbers_and_digests_that_cannot_be_carried_are_refused_when_signing(number, digest):
    with pytest.raises(ValueError):
        sign_release(number, digest, END)
