"""The map in Debian's Chromium, headless, driven by Playwright: communes drawn in their published level's
colour, the layer switch showing and hiding layers, and a zone drawn by clicking corners on the map and saved.
Skipped (saying so) where /usr/bin/chromium is missing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections

from phongdich.accounts.roles import Role
from phongdich.checkins.tests.test_browser import CHROMIUM, chromium, signed_in_context
from phongdich.levels.models import LEVEL_COLORS
from phongdich.lockdown.models import LockdownZone
from phongdich.lockdown.tests.conftest import HA_KHANH, HA_LONG, HA_PHONG, PROVINCE, publish_level
from phongdich.quarantine import services as quarantine

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs it: apt-get install chromium)"
)


@pytest.fixture(autouse=True)
def _allow_db_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an event loop on the test's thread; Django would refuse the test's queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _label_for(page: Any, layer: str) -> Any:
    """The layer switch's checkbox for a layer, found by the (translated) name the page was given."""
    name = page.evaluate(f"JSON.parse(document.getElementById('map-config').textContent).text.{layer}")
    return page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")


def test_the_map_colours_communes_by_level_and_the_layer_switch_works(
    live_server: Any, transactional_db: None, units: Any, make_account: Any
) -> None:
    admin = make_account(Role.PROVINCE_ADMIN, PROVINCE, username="tinh")
    district = make_account(Role.DISTRICT_OFFICER, HA_LONG, username="huyen-ha-long")
    level = publish_level(admin, HA_KHANH)
    facility = quarantine.create_facility(district, quarantine.FacilityInput(name="Khu Hà Khánh", commune=HA_KHANH))
    quarantine.add_rooms(district, facility.pk, {"A": 2})
    communes_in_ha_long = units[HA_LONG].children.count()

    with chromium() as browser:
        context = signed_in_context(browser, live_server, district)
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/map/")
        page.wait_for_selector("#map[data-loaded-levels]")
        assert page.get_attribute("#map", "data-loaded-levels") == str(communes_in_ha_long)
        communes = page.locator("#map svg path.map-commune")
        assert communes.count() == communes_in_ha_long
        fills = communes.evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
        assert fills.count(LEVEL_COLORS[level]) == 1
        assert fills.count("#9e9e9e") == communes_in_ha_long - 1

        # Facilities are off at first; ticking them loads and draws the layer; unticking levels hides the communes.
        assert page.locator("#map path.map-facility").count() == 0
        _label_for(page, "facilities").check()
        page.wait_for_selector("#map path.map-facility")
        assert page.locator("#map path.map-facility").count() == 1
        _label_for(page, "levels").uncheck()
        page.wait_for_function("document.querySelectorAll('#map path.map-commune').length === 0")
        _label_for(page, "levels").check()
        page.wait_for_function(f"document.querySelectorAll('#map path.map-commune').length === {communes_in_ha_long}")

        # A commune's popup links to its dashboard and to its district's (the drill-down).
        page.locator(f"#map path.map-commune[fill='{LEVEL_COLORS[level]}']").click()
        popup = page.locator(".leaflet-popup-content")
        popup.locator(f"a[href$='?unit={HA_KHANH}']").wait_for()
        assert popup.locator(f"a[href$='?unit={HA_LONG}']").count() == 1
        connections.close_all()


def test_drawing_a_zone_by_clicks_saves_it(
    live_server: Any, transactional_db: None, units: Any, make_account: Any
) -> None:
    district = make_account(Role.DISTRICT_OFFICER, HA_LONG, username="huyen-ha-long")
    target = units[HA_PHONG]
    delta = 0.004
    corners = [
        (target.latitude - delta, target.longitude - delta),
        (target.latitude - delta, target.longitude + delta),
        (target.latitude + delta, target.longitude),
    ]

    with chromium() as browser:
        page = signed_in_context(browser, live_server, district).new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.set_viewport_size({"width": 1280, "height": 1400})
        page.goto(f"{live_server.url}/lockdown-zones/new/")
        page.wait_for_selector("#map[data-loaded-levels]")
        page.fill("#id_name", "Khoanh vùng vẽ tay")
        page.evaluate(f"window.phongdichMap.setView([{target.latitude}, {target.longitude}], 14, {{animate: false}})")
        page.click("#draw-start")
        page.locator("#map").scroll_into_view_if_needed()
        for lat, lon in corners:
            box = page.locator("#map").bounding_box()
            assert box is not None
            point = page.evaluate(
                "([lat, lon]) => Object.values(window.phongdichMap.latLngToContainerPoint([lat, lon]))",
                [lat, lon],
            )
            page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        assert page.get_attribute("#map", "data-corners") == "3"
        page.click("#draw-finish")
        assert '"Polygon"' in page.input_value("#id_area")
        page.click("#zone-save")
        page.wait_for_selector("#zone-facts")
        connections.close_all()

    zone = LockdownZone.objects.get()
    assert zone.name == "Khoanh vùng vẽ tay"
    assert zone.area is not None and zone.area["type"] == "Polygon"
    ring = zone.area["coordinates"][0]
    assert len(ring) == 4 and ring[0] == ring[-1]
    for (lat, lon), (x, y) in zip(corners, ring[:3], strict=True):
        assert abs(x - lon) < 2e-4 and abs(y - lat) < 2e-4
    assert HA_PHONG in set(zone.covered.values_list("code", flat=True))
    assert zone.created_by == district
