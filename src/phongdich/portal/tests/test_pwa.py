import json

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse


def test_the_manifest_is_served_as_a_web_app_manifest(db):
    response = Client().get(reverse("portal-manifest"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/portal/" and manifest["scope"] == "/portal/"
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix("/static/")
        assert finders.find(path), icon["src"]


def test_the_service_worker_is_javascript_scoped_to_the_portal(db):
    response = Client().get(reverse("portal-sw"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/portal/"
    body = response.content.decode()
    assert reverse("portal-offline") in body
    # Only public pages are kept on the device: the allow-list names no personal page.
    allowed = body[body.index("const PUBLIC") : body.index("];", body.index("const PUBLIC"))].replace("\\", "")
    assert "/portal/levels/" in allowed and "/portal/me/" not in allowed and "/portal/feedback/" not in allowed


def test_the_offline_page_and_the_public_pages_answer(units):
    client = Client()
    for name in ("portal-offline", "portal-home", "portal-news", "portal-levels", "portal-sites", "portal-hotlines"):
        assert client.get(reverse(name)).status_code == 200, name


def test_the_home_page_is_light(units):
    html = Client().get(reverse("portal-home")).content
    # No script but the service worker's registration: the page itself needs none.
    assert html.count(b"<script") == 1
    assert b'rel="manifest"' in html
    assert len(html) < 20_000


def test_the_level_table_lists_every_commune_with_its_published_level(province_admin, district_officer):
    from phongdich.levels.models import LEVEL_COLORS
    from phongdich.levels.tests.test_views import publish_level

    publish_level(province_admin, district_officer, "06649", 3)
    response = Client().get(reverse("portal-levels"))
    rows = {row["code"]: row for row in response.context["rows"]}
    assert len(rows) == 177
    assert (rows["06649"]["level"], rows["06649"]["color"]) == (3, LEVEL_COLORS[3])
    assert rows["06652"]["level"] is None
    assert dict((level, count) for level, _color, count in response.context["legend"])[3] == 1
    assert reverse("public-map").encode() in response.content
