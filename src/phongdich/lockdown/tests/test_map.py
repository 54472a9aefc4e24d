"""The map's GeoJSON layers: content, scoping, the public variant's aggregates, caching headers, 401/404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.levels.models import LEVEL_COLORS
from phongdich.lockdown import map as layers
from phongdich.lockdown.tests.conftest import (
    HA_KHANH,
    HA_LONG,
    HA_PHONG,
    MONG_CAI,
    MONG_CAI_COMMUNE,
    PROVINCE,
    make_zone,
    open_case,
    publish_level,
)
from phongdich.quarantine import services as quarantine


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get_layer(client: Client, name: str, public: bool = False, **headers):
    url = reverse("public-map-layer" if public else "map-layer", args=[name])
    return client.get(url, headers=headers)


def by_code(collection):
    return {feature["properties"]["code"]: feature for feature in collection["features"]}


@pytest.fixture
def cases_in_ha_khanh(commune_officer, epidemiologist, make_person, django_capture_on_commit_callbacks):
    """Three community cases in Hà Khánh, one in Hà Phong, six in Móng Cái."""
    for code, count in ((HA_KHANH, 3), (HA_PHONG, 1), (MONG_CAI_COMMUNE, 6)):
        for _ in range(count):
            person = make_person(epidemiologist, home_commune=code)
            open_case(epidemiologist, person, django_capture_on_commit_callbacks)


def test_the_levels_layer_colours_communes_by_their_published_level(province_admin, units):
    level = publish_level(province_admin, HA_KHANH)
    response = get_layer(signed_in(province_admin), "levels")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    features = by_code(response.json())
    assert len([f for f in features.values() if f["properties"]["kind"] == "commune"]) == 177
    ha_khanh = features[HA_KHANH]
    assert ha_khanh["geometry"] == {
        "type": "Point",
        "coordinates": [round(units[HA_KHANH].longitude, 6), round(units[HA_KHANH].latitude, 6)],
    }
    props = ha_khanh["properties"]
    assert (props["level"], props["color"]) == (level, LEVEL_COLORS[level])
    assert props["population"] == units[HA_KHANH].population
    assert props["district_code"] == HA_LONG
    assert props["explanation"]
    assert features[HA_PHONG]["properties"]["color"] == layers.NOT_ASSESSED_COLOR
    assert features[HA_PHONG]["properties"]["level"] is None


def test_a_commune_boundary_replaces_the_point(province_admin, units):
    boundary = {"type": "Polygon", "coordinates": [[[107, 21], [107.1, 21], [107.1, 21.1], [107, 21]]]}
    type(units[HA_KHANH]).objects.filter(code=HA_KHANH).update(boundary=boundary)
    features = by_code(get_layer(signed_in(province_admin), "levels").json())
    assert features[HA_KHANH]["geometry"] == boundary


def test_the_cases_layer_counts_per_commune(province_admin, cases_in_ha_khanh):
    features = by_code(get_layer(signed_in(province_admin), "cases").json())
    assert set(features) == {HA_KHANH, HA_PHONG, MONG_CAI_COMMUNE}
    props = features[HA_KHANH]["properties"]
    assert (props["cases_7d"], props["new_7d"], props["active"]) == (3, 3, 3)
    assert features[MONG_CAI_COMMUNE]["properties"]["cases_7d"] == 6
    levels = by_code(get_layer(signed_in(province_admin), "levels").json())
    assert levels[HA_KHANH]["properties"]["cases_7d"] == 3


def test_the_public_cases_layer_shows_small_counts_as_under_five(cases_in_ha_khanh):
    features = by_code(get_layer(Client(), "cases", public=True).json())
    assert features[HA_KHANH]["properties"]["cases_7d"] == "<5"
    assert features[HA_PHONG]["properties"]["active"] == "<5"
    assert features[MONG_CAI_COMMUNE]["properties"]["cases_7d"] == 6
    levels = by_code(get_layer(Client(), "levels", public=True).json())
    assert levels[HA_KHANH]["properties"]["cases_7d"] == "<5"


def test_a_case_in_a_lockdown_zone_is_not_a_community_case_on_the_map(
    province_admin, district_officer, epidemiologist, make_person, django_capture_on_commit_callbacks
):
    make_zone(district_officer, HA_KHANH)
    open_case(epidemiologist, make_person(epidemiologist, home_commune=HA_KHANH), django_capture_on_commit_callbacks)
    props = by_code(get_layer(signed_in(province_admin), "cases").json())[HA_KHANH]["properties"]
    assert (props["cases_7d"], props["new_7d"]) == (0, 1)


def test_the_commune_officer_sees_its_district_only(commune_officer, cases_in_ha_khanh):
    levels = by_code(get_layer(signed_in(commune_officer), "levels").json())
    assert HA_KHANH in levels and HA_PHONG in levels
    assert MONG_CAI_COMMUNE not in levels
    assert {f["properties"]["district_code"] for f in levels.values()} == {HA_LONG}
    cases = by_code(get_layer(signed_in(commune_officer), "cases").json())
    assert set(cases) == {HA_KHANH, HA_PHONG}


def test_facilities_follow_the_access_rules(units, make_account, commune_officer, province_admin, leader):
    ha_long = make_account(Role.DISTRICT_OFFICER, HA_LONG, username="d-ha-long")
    mong_cai = make_account(Role.DISTRICT_OFFICER, MONG_CAI, username="d-mong-cai")
    here = quarantine.create_facility(ha_long, quarantine.FacilityInput(name="Khu Hà Khánh", commune=HA_KHANH))
    quarantine.add_rooms(ha_long, here.pk, {"A": 3})
    quarantine.create_facility(mong_cai, quarantine.FacilityInput(name="Khu Móng Cái", commune=MONG_CAI_COMMUNE))
    names = lambda user: {f["properties"]["name"] for f in get_layer(signed_in(user), "facilities").json()["features"]}  # noqa: E731
    assert names(commune_officer) == {"Khu Hà Khánh"}
    assert names(mong_cai) == {"Khu Móng Cái"}
    assert names(province_admin) == names(leader) == {"Khu Hà Khánh", "Khu Móng Cái"}
    feature = next(f for f in get_layer(signed_in(commune_officer), "facilities").json()["features"])
    assert (feature["properties"]["beds"], feature["properties"]["occupied"]) == (3, 0)
    lon, lat = feature["geometry"]["coordinates"]
    # At the commune's point, moved a little (no coordinates of its own), the same on every request.
    assert abs(lon - units[HA_KHANH].longitude) < 0.02 and abs(lat - units[HA_KHANH].latitude) < 0.02
    again = next(f for f in get_layer(signed_in(commune_officer), "facilities").json()["features"])
    assert again["geometry"] == feature["geometry"]


def test_the_zones_layer(district_officer, province_admin, units):
    zone = make_zone(district_officer, HA_KHANH, name="Phong tỏa Hà Khánh", reason="Ổ dịch")
    ended = make_zone(district_officer, HA_PHONG, days_ago=5, ends_in=-1, name="Đã kết thúc")
    internal = {f["properties"]["id"]: f for f in get_layer(signed_in(province_admin), "zones").json()["features"]}
    assert set(internal) == {zone.pk, ended.pk}
    assert internal[zone.pk]["properties"]["active"] is True
    assert internal[zone.pk]["properties"]["communes"] == [HA_KHANH]
    assert internal[zone.pk]["geometry"]["type"] == "MultiPoint"
    assert internal[zone.pk]["properties"]["reason"] == "Ổ dịch"
    public = get_layer(Client(), "zones", public=True).json()["features"]
    assert [f["properties"]["id"] for f in public] == [zone.pk]
    assert "reason" not in public[0]["properties"]
    levels = by_code(get_layer(signed_in(province_admin), "levels").json())
    assert levels[HA_KHANH]["properties"]["zones"] == [zone.pk]


def test_the_public_map_has_no_venues_layer_and_the_internal_one_needs_a_session(units, make_account):
    assert get_layer(Client(), "venues", public=True).status_code == 404
    assert get_layer(Client(), "nothing", public=True).status_code == 404
    assert get_layer(Client(), "levels").status_code == 401
    citizen = make_account(Role.CITIZEN, username="citizen")
    assert get_layer(signed_in(citizen), "levels").status_code == 404
    staff = make_account(Role.PROVINCE_ADMIN, PROVINCE, username="admin2")
    assert get_layer(signed_in(staff), "nothing").status_code == 404
    assert get_layer(signed_in(staff), "venues").status_code == 200


def test_layers_carry_an_etag_and_answer_not_modified(province_admin):
    client = signed_in(province_admin)
    first = get_layer(client, "levels")
    assert first["ETag"] and "private" in first["Cache-Control"]
    again = get_layer(client, "levels", **{"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    public = get_layer(Client(), "levels", public=True)
    assert "public" in public["Cache-Control"]


def test_the_map_pages(province_admin, units, make_account):
    page = signed_in(province_admin).get(reverse("map"))
    assert page.status_code == 200
    assert reverse("map-layer", args=["venues"]).encode() in page.content
    public = Client().get(reverse("public-map"))
    assert public.status_code == 200
    assert b"venues.geojson" not in public.content
    assert Client().get(reverse("map")).status_code == 302
    assert reverse("public-map") in Client().get(reverse("login")).content.decode()
    citizen = make_account(Role.CITIZEN, username="citizen")
    assert signed_in(citizen).get(reverse("map")).status_code == 404


def test_the_venues_layer_shows_venues_where_a_case_was_present(units, make_account, make_person):
    from phongdich.tracing.tests.world import World, minutes

    world = World(make_account, make_person)
    neighbour = world.person()
    world.visit(world.f0, world.market, world.t0, world.t0 + minutes(30))
    world.visit(neighbour, world.market, world.t0 + minutes(10), world.t0 + minutes(40))
    world.visit(neighbour, world.cafe, world.t0 + minutes(60), world.t0 + minutes(90))
    world.trace(world.open_case())
    features = get_layer(signed_in(world.admin), "venues").json()["features"]
    assert [(f["properties"]["name"], f["properties"]["cases"]) for f in features] == [("Chợ Hạ Long 1", 1)]
    assert get_layer(signed_in(world.far_officer), "venues").json()["features"] == []
    assert get_layer(signed_in(world.officer), "venues").json()["features"][0]["properties"]["id"] == world.market.pk


def test_each_layer_is_a_few_grouped_queries_whatever_the_number_of_communes(
    province_admin, district_officer, cases_in_ha_khanh, django_assert_max_num_queries
):
    make_zone(district_officer, HA_KHANH)
    make_zone(district_officer, HA_PHONG)
    for name in ("Khu A", "Khu B"):
        quarantine.create_facility(district_officer, quarantine.FacilityInput(name=name, commune=HA_PHONG))
    publish_level(province_admin, HA_KHANH)
    publish_level(province_admin, MONG_CAI_COMMUNE)
    budgets = {"levels": 6, "cases": 2, "zones": 2, "facilities": 2, "sites": 2, "venues": 1}
    for name, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            collection = layers.layer(name, province_admin, public=False)
        assert collection["type"] == "FeatureCollection"
