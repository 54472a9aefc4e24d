"""The checkpoint pages in a real browser (the Debian Chromium, headless, Playwright), fed codes through Chromium's
fake camera: the officer's scan page and the automatic lane (no tap), and a scan kept while offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import translation

from phongdich.checkins.tests.fake_camera import write_y4m
from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context
from phongdich.checkpoints.models import DecisionKind, Pass
from phongdich.tasks.models import Task

from .conftest import HA_KHANH, HA_PHONG, publish_level

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (apt-get install chromium)"),
    pytest.mark.usefixtures("english"),
    # The live server needs committed data; the data migrations' rows come back through the root conftest.
    pytest.mark.django_db(transaction=True),
]


def shown_as(decision: DecisionKind) -> set[str]:
    """The decision's label as the page may show it: the API answers in the browser's language."""
    labels = set()
    for language in ("en", "vi"):
        with translation.override(language):
            labels.add(str(decision.label))
    return labels


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def camera_args(tmp_path: Path, text: str) -> list[str]:
    video = write_y4m(tmp_path / "qr.y4m", text)
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def test_the_scan_page_lets_a_declared_traveller_through(
    live_server: Any, checkpoint: Any, officer: Any, declare: Any, tmp_path: Path
) -> None:
    qr = declare(from_unit=HA_PHONG)  # no published level there: a quiet area
    with chromium(*camera_args(tmp_path, qr)) as browser:
        context = signed_in_context(browser, live_server, officer)
        page = context.new_page()
        page.goto(f"{live_server.url}/checkpoints/cau-bach-dang/scan/")
        page.locator("#start-camera").click()
        page.wait_for_function("() => document.getElementById('decision').dataset.decision !== ''")
        assert page.locator("#decision").get_attribute("data-decision") == "let_through"
        assert page.locator("#decision-label").inner_text() in shown_as(DecisionKind.LET_THROUGH)
        assert "N.V.A." in page.locator("#decision-who").inner_text()
        context.close()
    assert Pass.objects.get().decision == "let_through"


def test_from_a_level_4_commune_the_scan_page_says_test_on_the_spot_and_the_destination_gets_a_task(
    live_server: Any,
    checkpoint: Any,
    officer: Any,
    declare: Any,
    province_admin: Any,
    district_officer: Any,
    tmp_path: Path,
) -> None:
    publish_level(province_admin, district_officer, HA_PHONG, 4)
    qr = declare(from_unit=HA_PHONG)
    with chromium(*camera_args(tmp_path, qr)) as browser:
        context = signed_in_context(browser, live_server, officer)
        page = context.new_page()
        page.goto(f"{live_server.url}/checkpoints/cau-bach-dang/scan/")
        page.locator("#start-camera").click()
        page.wait_for_function("() => document.getElementById('decision').dataset.decision !== ''")
        assert page.locator("#decision").get_attribute("data-decision") == "test_on_spot"
        assert page.locator("#decision-label").inner_text() in shown_as(DecisionKind.TEST_ON_SPOT)
        context.close()
    row = Pass.objects.get()
    assert Task.objects.get(pk=row.task_id).commune.code == HA_KHANH


def test_the_lane_shows_the_green_screen_without_a_tap(
    live_server: Any, checkpoint: Any, officer: Any, declare: Any, tmp_path: Path
) -> None:
    qr = declare(from_unit=HA_PHONG)
    with chromium(*camera_args(tmp_path, qr)) as browser:
        context = signed_in_context(browser, live_server, officer)
        page = context.new_page()
        page.goto(f"{live_server.url}/checkpoints/cau-bach-dang/lane/")
        screen = page.locator("#lane-screen.go")
        screen.wait_for(state="visible")
        assert page.locator("#lane-text").inner_text() in shown_as(DecisionKind.LET_THROUGH)
        # After a few seconds the lane hides the screen and reads again by itself.
        screen.wait_for(state="hidden")
        context.close()
    assert Pass.objects.filter(decision="let_through").exists()


def test_a_scan_made_offline_is_decided_once_when_the_network_is_back(
    live_server: Any, checkpoint: Any, officer: Any, declare: Any, tmp_path: Path
) -> None:
    qr = declare(from_unit=HA_PHONG)
    with chromium(*camera_args(tmp_path, qr)) as browser:
        context = signed_in_context(browser, live_server, officer)
        page = context.new_page()
        page.goto(f"{live_server.url}/checkpoints/cau-bach-dang/scan/")
        context.set_offline(True)
        page.locator("#start-camera").click()
        page.locator("#results li.queued").first.wait_for()
        page.locator("#stop-camera").click()
        key = "phongdich.checkpoint.queue.cau-bach-dang"
        assert page.evaluate(f"JSON.parse(localStorage.getItem('{key}')).length") == 1
        assert Pass.objects.count() == 0
        connections.close_all()
        context.set_offline(False)
        page.wait_for_function(f"() => JSON.parse(localStorage.getItem('{key}')).length === 0")
        assert page.locator("#decision").get_attribute("data-decision") == "let_through"
        context.close()
    assert Pass.objects.count() == 1
