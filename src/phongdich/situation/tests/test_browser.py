"""The dashboard and the map render with data, and a leader clicks a district and sees its communes.
Debian's Chromium, headless, driven by Playwright; skipped (saying so) where /usr/bin/chromium is missing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections

from phongdich.accounts.roles import Role
from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context
from phongdich.situation.tests.helpers import days_ago, open_case, record_result

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_leader_follows_the_province_down_to_the_communes_of_a_district(
    live_server: Any, transactional_db: None, units: Any, make_account: Any, make_person: Any
) -> None:
    lab = make_account(Role.LAB_TECHNICIAN, "22", username="lab-browser")
    officer = make_account(Role.COMMUNE_OFFICER, "06649", username="officer-browser")
    leader = make_account(Role.LEADER, "22", username="leader-browser")
    # No surrounding transaction here: the daily figures follow each commit, as in real use.
    for ago in (1, 2, 2, 4, 9):
        open_case(lab, make_person(officer), days_ago(ago))
    record_result(lab, make_person(officer), "negative", days_ago(1))

    with chromium() as browser:
        page = signed_in_context(browser, live_server, leader).new_page()
        page.goto(f"{live_server.url}/dashboard/")
        assert page.locator("#new-cases strong").inner_text() == "4"
        # The epidemic curve is drawn: one bar segment per day with cases.
        assert page.locator("svg.chart rect").count() >= 4
        district_row = page.locator("#unit-table tr[data-unit='193']")
        assert district_row.locator("td.num").first.inner_text() == "4"
        district_row.locator("a.drill").click()
        page.wait_for_url("**/dashboard/?unit=193")
        assert "Hạ Long" in page.locator("#dashboard-title").inner_text()
        commune_row = page.locator("#unit-table tr[data-unit='06649']")
        assert commune_row.locator("td.num").first.inner_text() == "4"
        assert page.locator("#unit-table tr[data-unit='06652']").count() == 1
        assert page.locator("#unit-table tr[data-unit='06727']").count() == 0  # Móng Cái's, not Hạ Long's
        # No personal list behind any number for a leader.
        assert page.locator("a[href^='/cases/']").count() == 0

        admin = make_account(Role.PROVINCE_ADMIN, "22", username="admin-browser")
        map_page = signed_in_context(browser, live_server, admin).new_page()
        map_page.goto(f"{live_server.url}/map/")
        map_page.wait_for_selector("#map[data-loaded-levels]")
        assert map_page.locator("#map svg path.map-commune").count() > 0
        connections.close_all()
