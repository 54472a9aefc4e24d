"""A traveller without an account declares in headless Chromium (Debian's, driven by Playwright), reads the
code from the message the console channel sent, and gets a QR on the result page that the checkpoint reader
accepts. Skipped (saying so) where /usr/bin/chromium is missing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connections

from phongdich.accounts import phone_otp
from phongdich.checkins.tests.test_browser import CHROMIUM, TIMEOUT_MS, chromium
from phongdich.declarations.models import Declaration
from phongdich.declarations.qr import read_declaration_qr

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def seeded(transactional_db: None, units: Any) -> None:
    """Committed units; the migration's areas and risk rules are put back by the root conftest after a flush."""


def test_a_traveller_without_an_account_declares_and_gets_a_qr(live_server: Any, seeded: None) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/declare/")
        page.locator("input[name=kind][value=entry]").check()
        page.fill("#id_phone", "0912 345 678")
        page.click("button[value=send_code]")
        page.locator("p.message[role=status]").wait_for()
        code = phone_otp.last_code_for_tests("0912345678")
        assert len(code) == 6
        page.fill("#id_code", code)
        page.fill("#id_p0_full_name", "Hoàng Văn Long")
        page.fill("#id_p0_birth_year", "1980")
        page.locator("input[name=p0_sex][value=male]").check()
        page.select_option("#id_from_area", "31")
        page.select_option("#id_to_commune", "06649")
        page.select_option("#id_vehicle_kind", "car")
        page.fill("#id_vehicle_plate", "15a 678.90")
        page.click("button.primary[value=submit]")
        page.wait_for_url("**/declare/r/**")
        qr = page.locator(".declaration-qr svg").first
        qr.wait_for()
        image = Image.open(io.BytesIO(qr.screenshot()))
        connections.close_all()

    [found] = zxingcpp.read_barcodes(image)
    claims = read_declaration_qr(found.text)
    declaration = Declaration.objects.get()
    assert claims.declaration_id == declaration.pk and claims.vehicle_plate == "15A-678.90"
    assert (declaration.full_name, declaration.kind, declaration.to_commune.code) == (
        "Hoàng Văn Long",
        "entry",
        "06649",
    )
