"""A facility staff member admits a person to a bed and records SpO₂ 93 %; the alert appears at once on the
commune officer's list, in a second signed-in browser. Debian's Chromium, headless, driven by Playwright;
skipped (saying so) where /usr/bin/chromium is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connections

from phongdich.accounts.roles import Role
from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context
from phongdich.quarantine import services
from phongdich.quarantine.models import FacilityAdmission, HealthCheck, QuarantineAlert

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_staff_admit_record_a_low_spo2_and_the_officer_sees_the_alert(
    live_server: Any, transactional_db: None, units: Any, make_account: Any, make_person: Any, make_cccd: Any
) -> None:
    officer = make_account(Role.COMMUNE_OFFICER, "06649", username="officer-ha-khanh")
    staff = make_account(Role.QUARANTINE_STAFF, "06649", username="cachly-ha-khanh")
    district = make_account(Role.DISTRICT_OFFICER, "193", username="huyen-ha-long")
    born = dt.date(1990, 7, 1)
    citizen_id = make_cccd(born, "female")
    person = make_person(officer, citizen_id=citizen_id, date_of_birth=born, sex="female", full_name="Lê Thị Mai")
    services.issue_order(officer, services.OrderInput(person=person.pk, reason="f1_of_case", kind="facility"))
    facility = services.create_facility(district, services.FacilityInput(name="Khu cách ly Hà Khánh", commune="06649"))
    services.add_rooms(district, facility.pk, {"101": 2})
    bed = facility.beds.order_by("label").last()
    assert bed is not None

    with chromium() as browser:
        staff_page = signed_in_context(browser, live_server, staff).new_page()
        staff_page.goto(f"{live_server.url}/quarantine/facilities/{facility.pk}/")
        form = staff_page.locator("#admit-form")
        form.locator("input[name=citizen_id]").fill(citizen_id)
        form.locator("select[name=bed]").select_option(str(bed.pk))
        form.locator("button[type=submit]").click()
        row = staff_page.locator(f"tr[data-bed='{bed.pk}']")
        row.locator("text=Lê Thị Mai").wait_for()
        row.locator(f"a[href='/quarantine/checks/{person.pk}/']").click()
        check_form = staff_page.locator("#health-check-form")
        check_form.locator("input[name=temperature]").fill("37.4")
        check_form.locator("input[name=spo2]").fill("93")
        check_form.locator("button[type=submit]").click()
        staff_page.wait_for_url(f"**/quarantine/facilities/{facility.pk}/")

        officer_page = signed_in_context(browser, live_server, officer).new_page()
        officer_page.goto(f"{live_server.url}/quarantine/alerts/")
        first = officer_page.locator("#alerts tbody tr").first
        assert "Lê Thị Mai" in first.inner_text()
        assert "93" in first.inner_text()
        assert "alert-danger_sign" in (first.get_attribute("class") or "")
        # The sign-ins ran beside Playwright's event loop, on connections of their own: close them.
        connections.close_all()

    admission = FacilityAdmission.objects.get()
    assert (admission.person_id, admission.bed_id, admission.admitted_by) == (person.pk, bed.pk, staff)
    check = HealthCheck.objects.get()
    assert (check.spo2, check.entered_by, check.facility_id) == (93, staff, facility.pk)
    alert = QuarantineAlert.objects.get()
    assert (alert.kind, alert.health_check_id, alert.commune.code) == ("danger_sign", check.pk, "06649")
