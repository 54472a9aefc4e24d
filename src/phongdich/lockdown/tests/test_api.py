"""/api/v1/lockdown-zones: create, read, change, end; bad input is a 422 naming the field and stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.lockdown.models import LockdownZone
from phongdich.lockdown.tests.conftest import HA_KHANH, HA_PHONG, MONG_CAI, MONG_CAI_COMMUNE, square

URL = "/api/v1/lockdown-zones"


def body(**extra):
    data = {
        "name": "Phong tỏa tổ 5",
        "reason": "Ổ dịch",
        "starts_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        "units": [HA_KHANH],
    }
    data.update(extra)
    return data


def fields(response):
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture
def district(api_client, district_officer):
    return api_client(district_officer)


def test_create_read_and_end_a_zone(district, units):
    created = district.post(URL, body(), content_type="application/json")
    assert created.status_code == 201, created.content
    zone = created.json()
    assert zone["units"] == [HA_KHANH] and zone["covered"] == [HA_KHANH]
    assert zone["active"] is True and zone["jurisdiction"] == HA_KHANH
    assert zone["residents"] == 0 and zone["cases"] == 0
    assert district.get(f"{URL}/{zone['id']}").json()["name"] == "Phong tỏa tổ 5"
    assert [z["id"] for z in district.get(URL, {"active": True}).json()] == [zone["id"]]
    ended = district.post(f"{URL}/{zone['id']}/end", {}, content_type="application/json")
    assert ended.status_code == 200
    assert ended.json()["active"] is False
    assert district.get(URL, {"active": True}).json() == []
    again = district.post(f"{URL}/{zone['id']}/end", {}, content_type="application/json")
    assert again.status_code == 422 and fields(again) == {"ends_at"}


def test_a_drawn_area(district, units):
    commune = units[HA_PHONG]
    area = square(commune.longitude, commune.latitude, 0.001)
    response = district.post(URL, body(units=[], area=area), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["covered"] == [HA_PHONG]
    assert response.json()["area"] == area


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"units": [MONG_CAI_COMMUNE]}, "units"),
        ({"units": ["nope"]}, "units"),
        ({"units": []}, "units"),
        ({"ends_at": (timezone.now() - dt.timedelta(days=1)).isoformat()}, "ends_at"),
        (
            {"area": {"type": "Polygon", "coordinates": [[[107, 21], [107.1, 21], [107.1, 21.1], [107.2, 21.3]]]}},
            "area",
        ),
        ({"area": {"type": "Polygon", "coordinates": [[[190, 21], [107.1, 21], [107.1, 21.1], [190, 21]]]}}, "area"),
        ({"area": "not json"}, "area"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(district, change, field):
    response = district.post(URL, body(**change), content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in fields(response)
    assert LockdownZone.objects.count() == 0


def test_another_districts_zone_is_not_found(api_client, make_account, district, units):
    zone = district.post(URL, body(), content_type="application/json").json()
    other = api_client(make_account("district_officer", MONG_CAI, username="mong-cai"))
    assert other.get(f"{URL}/{zone['id']}").status_code == 404
    assert other.post(f"{URL}/{zone['id']}/end", {}, content_type="application/json").status_code == 404
    assert other.put(f"{URL}/{zone['id']}", body(), content_type="application/json").status_code == 404
    assert other.get(URL).json() == []
    assert district.get(f"{URL}/{2**63}").status_code == 404


def test_commune_officers_read_but_do_not_write(api_client, commune_officer, district):
    zone = district.post(URL, body(units=[HA_KHANH, HA_PHONG]), content_type="application/json").json()
    commune = api_client(commune_officer)
    assert commune.get(f"{URL}/{zone['id']}").status_code == 200
    assert commune.post(URL, body(), content_type="application/json").status_code == 404
    assert commune.post(f"{URL}/{zone['id']}/end", {}, content_type="application/json").status_code == 404


def test_change_a_zone(district):
    zone = district.post(URL, body(), content_type="application/json").json()
    changed = district.put(f"{URL}/{zone['id']}", body(units=[HA_KHANH, HA_PHONG]), content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["covered"] == sorted([HA_KHANH, HA_PHONG])


def test_without_credentials(client, units):
    assert client.get(URL).status_code == 401
