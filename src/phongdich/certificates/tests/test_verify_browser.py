"""The verifier page in the Debian Chromium: a certificate QR shown to the fake camera is read and verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from phongdich.accounts.roles import Role
from phongdich.certificates.tests.verify_fixtures import full_course_certificate
from phongdich.checkins.tests.fake_camera import write_y4m
from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_camera_reads_a_certificate_and_the_page_says_valid(
    live_server: Any, transactional_db: None, units: Any, make_account: Any, make_person: Any, tmp_path: Path
) -> None:
    certificate = full_course_certificate(make_account, make_person)
    officer = make_account(Role.CHECKPOINT_OFFICER, "06649", username="chot-mong-cai")
    video = write_y4m(tmp_path / "certificate.y4m", certificate)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with chromium(*camera) as browser:
        context = signed_in_context(browser, live_server, officer)
        page = context.new_page()
        page.goto(f"{live_server.url}/certificates/verify/")
        page.locator("#start-camera").click()
        result = page.locator("#verdict-result")
        result.wait_for()
        assert result.get_attribute("data-valid") == "true"
        assert "2001-07-15" in result.inner_text()
        assert page.locator("#id_payload").input_value() == certificate
        context.close()
