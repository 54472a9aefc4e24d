"""The verifier page (paste, picture) and the command reading a picture; the camera is in test_verify_browser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.certificates.tests.verify_fixtures import full_course_certificate

PAGE = "/certificates/verify/"


@pytest.fixture
def certificate(units, make_account, make_person) -> str:
    return full_course_certificate(make_account, make_person)


@pytest.fixture
def checkpoint(units, make_account) -> Client:
    client = Client()
    client.force_login(make_account(Role.CHECKPOINT_OFFICER, "06649", username="chot-mong-cai"))
    return client


def png_of(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="q").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


def test_the_page_needs_an_account(db):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_pasted_certificate_is_valid_with_its_holder(checkpoint, certificate):
    response = checkpoint.post(PAGE, {"payload": certificate})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-valid="true"' in page
    assert "NGUYEN THI&lt;DAO" in page or "Nguyễn Thị Đào" in page
    assert "2001-07-15" in page
    # Two AstraZeneca doses in 2021: a full course long enough ago for Vietnam's default rules.
    assert 'data-accepted="true"' in page
    assert response["Cache-Control"] == "private, no-store"


def test_a_changed_certificate_is_not_valid_and_says_why(checkpoint, certificate, english):
    position = len(certificate) // 2
    changed = certificate[:position] + ("A" if certificate[position] != "A" else "B") + certificate[position + 1 :]
    page = checkpoint.post(PAGE, {"payload": changed}).content.decode()
    assert 'data-valid="false"' in page
    assert 'data-reason=""' not in page


def test_garbage_is_not_a_certificate(checkpoint, db, english):
    page = checkpoint.post(PAGE, {"payload": "hello"}).content.decode()
    assert 'data-reason="bad_prefix"' in page
    assert "does not start with HC1:" in page


def test_a_picture_of_the_qr_is_read_and_verified(checkpoint, certificate):
    picture = io.BytesIO(png_of(certificate))
    picture.name = "certificate.png"
    page = checkpoint.post(PAGE, {"image": picture}).content.decode()
    assert 'data-valid="true"' in page


def test_a_file_that_is_not_a_picture_is_refused_naming_the_field(checkpoint, db, english):
    not_a_picture = io.BytesIO(b"%PDF-1.4 not a picture")
    not_a_picture.name = "x.png"
    page = checkpoint.post(PAGE, {"image": not_a_picture}).content.decode()
    assert "This file is not a picture" in page
    assert "verdict-result" not in page


def test_a_picture_without_a_qr_code_says_so(checkpoint, db, english):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (200, 200), color=255).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "blank.png"
    page = checkpoint.post(PAGE, {"image": buffer}).content.decode()
    assert "No QR code was found in the picture" in page


def test_nothing_given_asks_for_a_code(checkpoint, db, english):
    page = checkpoint.post(PAGE, {"payload": "  "}).content.decode()
    assert "Scan the QR code, paste the code, or choose a picture of it." in page


def test_htmx_gets_only_the_verdict(checkpoint, certificate):
    response = checkpoint.post(PAGE, {"payload": certificate}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'id="verdict-result"' in page
    assert "<html" not in page


def test_staff_find_the_verifier_in_the_menu_and_citizens_do_not(checkpoint, units, make_account):
    assert PAGE in checkpoint.get("/").content.decode()
    citizen = Client()
    citizen.force_login(make_account(Role.CITIZEN, username="cong-dan"))
    assert PAGE not in citizen.get("/").content.decode()


def test_the_command_reads_a_picture(certificate, tmp_path: Path, capsys):
    picture = tmp_path / "qr.png"
    picture.write_bytes(png_of(certificate))
    call_command("verify_certificate", str(picture))
    assert '"valid": true' in capsys.readouterr().out
