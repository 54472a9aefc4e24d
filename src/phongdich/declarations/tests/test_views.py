from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client

from phongdich.accounts import phone_otp
from phongdich.declarations.models import Declaration
from phongdich.declarations.qr import read_declaration_qr

from .helpers import declare, movement

pytestmark = pytest.mark.usefixtures("units")


def _form(page: str) -> dict[str, str]:
    """The hidden fields of the rendered form, as a browser would send them back."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def _fill(hidden: dict[str, str], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        **hidden,
        "kind": "movement",
        "phone": "0912 345 678",
        "p0_full_name": "Đỗ Thị Hạnh",
        "p0_birth_year": "1992",
        "p0_sex": "female",
        "p0_vaccination": "full",
        "from_area": "30",
        "to_commune": "06649",
        "vehicle_kind": "motorbike",
        "vehicle_plate": "34A1-123.45",
    }
    data.update(fields)
    return data


def test_a_traveller_declares_without_an_account_or_script(english) -> None:
    client = Client()
    page = client.get("/declare/")
    assert page.status_code == 200
    hidden = _form(page.content.decode())
    sent = client.post("/declare/", _fill(hidden, action="send_code"))
    assert sent.status_code == 200 and "A code was sent" in sent.content.decode()
    hidden = _form(sent.content.decode())
    assert hidden["challenge_id"]
    added = client.post("/declare/", _fill(hidden, action="add_person"))
    hidden = _form(added.content.decode())
    assert hidden["people_count"] == "2" and 'name="p1_full_name"' in added.content.decode()
    code = phone_otp.last_code_for_tests("0912345678")
    done = client.post(
        "/declare/",
        _fill(hidden, action="submit", code=code, p1_full_name="Đỗ Văn Minh", p1_birth_year="2018", p1_sex="male"),
    )
    assert done.status_code == 302
    result = client.get(done["Location"])
    text = result.content.decode()
    assert result.status_code == 200 and text.count("<svg") >= 2
    assert "Đỗ Thị Hạnh" in text and "Đỗ Văn Minh" in text and "Valid until" in text
    assert [d.full_name for d in Declaration.objects.order_by("position")] == ["Đỗ Thị Hạnh", "Đỗ Văn Minh"]
    assert result["Cache-Control"].startswith("max-age=0")
    declaration = Declaration.objects.get(position=0)
    png = client.get(f"{done['Location']}{declaration.pk}.png")
    assert png["Content-Type"] == "image/png"
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    [code_read] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert read_declaration_qr(code_read.text).declaration_id == declaration.pk
    pdf = client.get(f"{done['Location']}declarations.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Another declaration's id under this link is not found.
    other = declare(movement(), phone="0987654321")[0]
    assert client.get(f"{done['Location']}{other.pk}.png").status_code == 404
    assert client.get("/declare/r/forged-token/").status_code == 404


def test_errors_show_on_the_form_escaped_and_nothing_is_stored(english) -> None:
    client = Client()
    hidden = _form(client.get("/declare/").content.decode())
    answer = client.post(
        "/declare/",
        _fill(
            hidden,
            action="submit",
            vehicle_plate="<b>bad</b>",
            p0_full_name="<script>alert(1)</script>",
            purpose="<img src=x onerror=alert(1)>",
        ),
    )
    text = answer.content.decode()
    assert answer.status_code == 422
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text and "<b>bad</b>" not in text
    assert "A plate looks like" in text and "A name has letters" in text
    assert not Declaration.objects.exists()


def test_officers_list_and_detail(client_for, commune_officer, english) -> None:
    declaration = declare(movement(people=[movement().people[0]]))[0]
    officer = client_for(commune_officer)
    listed = officer.get("/declarations/?risk=no")
    assert listed.status_code == 200 and "Nguyễn Văn Hùng" in listed.content.decode()
    detail = officer.get(f"/declarations/{declaration.pk}/")
    assert detail.status_code == 200 and "14A-123.45" in detail.content.decode()
    assert Client().get("/declarations/").status_code == 302


def test_a_signed_in_citizen_declares_without_a_code_and_sees_their_declarations(
    client_for, make_account, make_person, province_admin, english
) -> None:
    person = make_person(province_admin, full_name="Vũ Thị Thu", phone="0911222333")
    citizen = make_account("citizen")
    citizen.person = person
    citizen.save()
    client = client_for(citizen)
    hidden = _form(client.get("/declare/").content.decode())
    assert "challenge_id" not in hidden
    done = client.post(
        "/declare/",
        _fill(hidden, action="submit", phone="", p0_full_name="Vũ Thị Thu", p0_birth_year="1985"),
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    [declaration] = Declaration.objects.all()
    assert declaration.phone == "+84911222333" and declaration.person == person
    mine = client.get("/my/declarations/")
    assert mine.status_code == 200 and "Vũ Thị Thu" in mine.content.decode()


def test_the_province_sets_the_level_of_an_area_outside(client_for, province_admin, commune_officer) -> None:
    from phongdich.declarations.models import ExternalArea

    assert client_for(commune_officer).post("/declarations/areas/", {"code": "20", "level": "4"}).status_code == 404
    assert ExternalArea.objects.get(code="20").level == 1
    page = client_for(commune_officer).get("/declarations/areas/")
    assert page.status_code == 200 and "Lạng Sơn" in page.content.decode() and "<select" not in page.content.decode()
    admin = client_for(province_admin)
    assert admin.post("/declarations/areas/", {"code": "20", "level": "9"}).status_code == 422
    answer = admin.post("/declarations/areas/", {"code": "20", "level": "4"})
    assert answer.status_code == 302 and ExternalArea.objects.get(code="20").level == 4
