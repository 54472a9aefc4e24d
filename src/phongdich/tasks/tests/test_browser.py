"""The work list in a real browser (Debian Chromium, headless): overdue first in red, done with a note via htmx."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context
from phongdich.tasks import services
from phongdich.tasks.models import Task, TaskKind, TaskStatus

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_an_officer_completes_the_overdue_task_first(
    live_server: Any, transactional_db: None, units: Any, commune_officer: Any
) -> None:
    now = timezone.now()
    late = services.create_task(
        None,
        kind=TaskKind.MISSED_HEALTH_CHECK,
        commune=units["06649"],
        title="Gọi người bỏ lỡ khai báo",
        due_at=now - dt.timedelta(hours=3),
    )
    services.create_task(
        None,
        kind=TaskKind.TAKE_SAMPLE,
        commune=units["06649"],
        title="Lấy mẫu ngày 7",
        due_at=now + dt.timedelta(hours=5),
    )
    with chromium() as browser:
        context = signed_in_context(browser, live_server, commune_officer)
        # Signing in queried beside Playwright's event loop, on a connection of its own: close it.
        connections.close_all()
        page = context.new_page()
        page.goto(f"{live_server.url}/tasks/?tab=all")
        rows = page.locator("#task-table tbody tr")
        assert rows.count() == 2
        first = rows.nth(0)
        assert "Gọi người bỏ lỡ khai báo" in first.inner_text()
        assert first.get_attribute("class") == "overdue"
        badge_colour = first.locator(".badge.overdue").evaluate("el => getComputedStyle(el).color")
        assert badge_colour == "rgb(180, 35, 24)"  # --danger
        # A full page load would lose this; htmx swapping the row keeps it.
        page.evaluate("window.stillThisPage = true")
        first.locator("input[name=note]").fill("Đã gọi, đã khai báo bù")
        first.locator("form[action$='/complete/'] button").click()
        page.locator(f"#task-{late.pk} input[name=note]").wait_for(state="detached")
        assert page.evaluate("window.stillThisPage === true")
        assert "Đã gọi, đã khai báo bù" in page.locator(f"#task-{late.pk}").inner_text()
        context.close()
    late.refresh_from_db()
    assert (late.status, late.completion_note, late.completed_by) == (
        TaskStatus.DONE,
        "Đã gọi, đã khai báo bù",
        commune_officer,
    )
    assert Task.objects.filter(status=TaskStatus.OPEN).count() == 1
