"""Check-in in a real browser: the Debian Chromium, headless, driven by Playwright, against a live server.

Never a downloaded browser: the tests use /usr/bin/chromium (CI installs it) and are skipped, saying so,
only where it is missing. The scanner test feeds a personal QR through Chromium's fake camera.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from phongdich.accounts.roles import Role
from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.checkins.personal_qr import personal_qr_token
from phongdich.checkins.tests.fake_camera import write_y4m
from phongdich.venues import services as venues

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000
HA_KHANH = "06649"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[*ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def signed_in_context(browser: Any, live_server: Any, user: Any) -> Any:
    """A browser context carrying the session of ``user`` (made by the test client's force_login)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="vi-VN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def venue(transactional_db: None, commune_officer: Any) -> Any:
    return venues.register_venue(
        commune_officer,
        venues.VenueInput(name="Chợ Hà Khánh", kind="market", commune=HA_KHANH, address="Số 1, Tổ 2"),
    )


@pytest.fixture
def operator(make_account: Callable[..., Any], venue: Any) -> Any:
    account = make_account(Role.VENUE_OPERATOR, username="operator-market")
    venue.operators.add(account)
    return account


def test_citizen_checks_in_and_out_from_the_poster(live_server: Any, venue: Any) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/c/{venue.qr_key}")
        assert page.locator("h1").inner_text() == "Chợ Hà Khánh"
        phone_form = page.locator("form:has(input[name=by][value=phone])")
        phone_form.locator("input[name=phone]").fill("0912 345 678")
        phone_form.locator("input[name=name]").fill("Nguyễn Văn An")
        phone_form.locator("button[type=submit]").click()
        page.wait_for_url("**/visit/**")
        assert page.locator("#checked-in-at").is_visible()
        assert "Chợ Hà Khánh" in page.content()
        page.locator("form[action$='/out/'] button").click()
        page.locator("#checked-out-at").wait_for()

    checkin = CheckIn.objects.get()
    assert checkin.phone == "+84912345678"
    assert checkin.method == CheckInMethod.VENUE_QR
    assert checkin.checked_out_at is not None
    assert not checkin.checkout_inferred


def test_scanner_reads_a_personal_qr_from_the_camera(
    live_server: Any, operator: Any, venue: Any, province_admin: Any, make_person: Callable[..., Any], tmp_path: Path
) -> None:
    person = make_person(province_admin)
    video = write_y4m(tmp_path / "qr.y4m", personal_qr_token(person))
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with chromium(*camera) as browser:
        context = signed_in_context(browser, live_server, operator)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan/")
        assert page.locator("#venue").input_value() == venue.code
        page.locator("#start-camera").click()
        page.locator("#results li.ok").first.wait_for()
        page.wait_for_function("() => document.getElementById('queue-state').className.indexOf('waiting') < 0")
        context.close()

    checkin = CheckIn.objects.get(person=person)
    assert checkin.venue_id == venue.pk
    assert checkin.method == CheckInMethod.PERSONAL_QR


def test_scanner_keeps_a_typed_id_while_offline_and_sends_it_once(
    live_server: Any,
    operator: Any,
    venue: Any,
    province_admin: Any,
    make_person: Callable[..., Any],
    make_cccd: Callable[..., str],
) -> None:
    cccd = make_cccd(dt.date(1985, 3, 12), "male")
    person = make_person(province_admin, citizen_id=cccd)
    with chromium() as browser:
        context = signed_in_context(browser, live_server, operator)
        page = context.new_page()
        page.goto(f"{live_server.url}/scan/")
        context.set_offline(True)
        page.locator("#citizen-id").fill(cccd)
        page.locator("#typed button[type=submit]").click()
        page.locator("#results li.queued").first.wait_for()
        page.wait_for_timeout(1500)
        assert page.evaluate("JSON.parse(localStorage.getItem('phongdich.scanner.queue')).length") == 1
        assert page.locator("#queue-state").inner_text().startswith("1 ")
        assert CheckIn.objects.count() == 0
        # That query ran beside Playwright's event loop, on a connection of its own: close it.
        connections.close_all()

        context.set_offline(False)
        page.locator("#results li.ok").first.wait_for()
        page.wait_for_function("() => JSON.parse(localStorage.getItem('phongdich.scanner.queue')).length === 0")
        context.close()

    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().person_id == person.pk
