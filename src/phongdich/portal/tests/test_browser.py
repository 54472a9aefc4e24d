"""A citizen signs in on the portal with a phone code and files feedback; the commune officer answers it in a
second browser context; the citizen sees the answer. Debian's Chromium, headless, driven by Playwright; skipped
(saying so) where /usr/bin/chromium is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connections

from phongdich.accounts import phone_otp
from phongdich.accounts.roles import Role
from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context
from phongdich.portal.models import Feedback

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)

SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_citizen_files_feedback_and_sees_the_officers_answer(
    live_server: Any, transactional_db: None, units: Any, make_account: Any, make_person: Any
) -> None:
    officer = make_account(Role.COMMUNE_OFFICER, "06649", username="officer-ha-khanh")
    make_person(officer, full_name="Đỗ Văn Hùng", phone="0915 222 333", date_of_birth=dt.date(1979, 3, 3), sex="male")

    with chromium() as browser:
        citizen = browser.new_context().new_page()
        citizen.goto(f"{live_server.url}/portal/")
        citizen.locator("a[href='/portal/feedback/new/']").first.click()
        citizen.wait_for_url("**/portal/phone/**")
        citizen.locator("input[name='phone-phone']").fill("0915 222 333")
        citizen.locator("button[value=send]").click()
        citizen.locator("input[name='code-code']").fill(phone_otp.last_code_for_tests("0915222333"))
        citizen.locator("button[value=confirm]").click()
        citizen.wait_for_url("**/portal/feedback/new/")
        citizen.locator("input[name=category][value=gathering]").check()
        citizen.locator("textarea[name=text]").fill(f"Tụ tập karaoke ở tổ 3 {SCRIPT}")
        citizen.locator("input[name=location]").fill("Tổ 3, khu 5")
        citizen.locator("#feedback-form button[type=submit]").click()
        citizen.wait_for_url("**/portal/feedback/mine/**")
        assert "Tụ tập karaoke ở tổ 3 <script>" in citizen.locator(".feedback-list").inner_text()
        assert citizen.title() != "pwned"
        feedback = Feedback.objects.get()
        assert feedback.commune.code == "06649"

        officer_page = signed_in_context(browser, live_server, officer).new_page()
        officer_page.goto(f"{live_server.url}/portal/feedback/")
        officer_page.locator(f"a[href='/portal/feedback/{feedback.pk}/']").click()
        answer = officer_page.locator("#answer-form")
        answer.locator("textarea[name=text]").fill("Tổ công tác đã đến giải tán và nhắc nhở.")
        answer.locator("select[name=status]").select_option("answered")
        answer.locator("button[type=submit]").click()
        officer_page.locator(".answers >> text=Tổ công tác đã đến giải tán").wait_for()

        citizen.reload()
        assert "Tổ công tác đã đến giải tán và nhắc nhở." in citizen.locator(".feedback-list").inner_text()
        assert citizen.title() != "pwned"
        connections.close_all()

    feedback.refresh_from_db()
    assert feedback.status == "answered" and feedback.answers.get().author == officer
    assert feedback.reporter_person is not None and feedback.reporter_person.full_name == "Đỗ Văn Hùng"


def test_public_pages_seen_once_can_be_read_offline(live_server: Any, transactional_db: None, units: Any) -> None:
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{live_server.url}/portal/")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        # Seen while the worker controls the page: kept for offline reading.
        page.goto(f"{live_server.url}/portal/levels/")
        page.locator("table").wait_for()
        context.set_offline(True)
        page.goto(f"{live_server.url}/portal/levels/")
        assert "Phường Hà Khánh" in page.locator("table").inner_text()
        assert page.locator("#offline").count() == 0
        # A page never seen: the offline page instead of the browser's error.
        page.goto(f"{live_server.url}/portal/hotlines/")
        assert page.locator("#offline").count() == 1
        connections.close_all()
