"""Zones: validation, jurisdiction, ending, who lives in one, and the marking of cases found there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.audit.models import AuditEvent
from phongdich.cases.models import DetectedIn
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.lockdown import services
from phongdich.lockdown.models import LockdownZone
from phongdich.lockdown.tests.conftest import (
    HA_KHANH,
    HA_LONG,
    HA_PHONG,
    MONG_CAI,
    MONG_CAI_COMMUNE,
    make_zone,
    open_case,
    square,
)


def fields_of(error: InvalidInput) -> set[str]:
    return {item.field for item in error.errors}


# --- The drawn area ----------------------------------------------------------------------------------------------


def test_a_polygon_is_cleaned_and_a_feature_unwrapped():
    area = square(107.0, 21.0)
    assert services.clean_area(area) == area
    assert services.clean_area({"type": "Feature", "geometry": area, "properties": {}}) == area
    assert services.clean_area(None) is None


@pytest.mark.parametrize(
    "area",
    [
        {"type": "Point", "coordinates": [107, 21]},
        {"type": "Polygon", "coordinates": [[[107, 21], [107.1, 21], [107.1, 21.1], [107, 21.1]]]},  # not closed
        {"type": "Polygon", "coordinates": [[[107, 21], [107.1, 21], [107, 21]]]},  # too few positions
        {"type": "Polygon", "coordinates": [[[200, 21], [107.1, 21], [107.1, 21.1], [200, 21]]]},  # longitude
        {"type": "Polygon", "coordinates": [[[107, 95], [107.1, 21], [107.1, 21.1], [107, 95]]]},  # latitude
        {"type": "Polygon", "coordinates": [[["a", 21], [107.1, 21], [107.1, 21.1], ["a", 21]]]},
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "Polygon", "coordinates": "x"},
        "POLYGON((0 0, 1 1))",
    ],
)
def test_a_malformed_area_is_refused_naming_the_field(area):
    with pytest.raises(InvalidInput) as caught:
        services.clean_area(area)
    assert fields_of(caught.value) == {"area"}


def test_an_area_of_more_than_2000_positions_is_refused():
    ring = [[107 + i * 1e-4, 21 + (i % 2) * 1e-4] for i in range(2001)]
    with pytest.raises(InvalidInput) as caught:
        services.clean_area({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    assert fields_of(caught.value) == {"area"}
    assert "2000" in caught.value.errors[0].message


def test_point_in_area_respects_holes():
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    area = {"type": "Polygon", "coordinates": [outer, hole]}
    assert services.point_in_area(2, 2, area)
    assert not services.point_in_area(5, 5, area)
    assert not services.point_in_area(11, 5, area)


# --- Writing zones -------------------------------------------------------------------------------------------------


def test_a_district_officer_locks_down_a_commune(district_officer, units):
    zone = make_zone(district_officer, HA_KHANH, reason="Ổ dịch chợ")
    assert zone.jurisdiction == units[HA_KHANH]
    assert list(zone.units.values_list("code", flat=True)) == [HA_KHANH]
    assert list(zone.covered.values_list("code", flat=True)) == [HA_KHANH]
    assert zone.created_by == district_officer
    assert AuditEvent.objects.filter(object_type="lockdown_zone", object_id=str(zone.pk), action="create").exists()


def test_two_communes_belong_to_their_district(district_officer, units):
    zone = make_zone(district_officer, HA_KHANH, HA_PHONG)
    assert zone.jurisdiction == units[HA_LONG]


def test_a_drawn_area_covers_the_communes_whose_point_lies_inside(district_officer, units):
    commune = units[HA_PHONG]
    zone = make_zone(district_officer, area=square(commune.longitude, commune.latitude, 0.001))
    assert set(zone.covered.values_list("code", flat=True)) == {HA_PHONG}
    assert zone.units.count() == 0
    assert zone.area["type"] == "Polygon"


def test_an_area_over_no_commune_point_needs_communes(district_officer):
    with pytest.raises(InvalidInput) as caught:
        make_zone(district_officer, area=square(100.0, 10.0))
    assert fields_of(caught.value) == {"area"}
    assert LockdownZone.objects.count() == 0


def test_a_commune_outside_the_jurisdiction_reads_as_unknown_and_nothing_is_stored(district_officer):
    with pytest.raises(InvalidInput) as caught:
        make_zone(district_officer, HA_KHANH, MONG_CAI_COMMUNE)
    assert fields_of(caught.value) == {"units"}
    assert MONG_CAI_COMMUNE in caught.value.errors[0].message
    with pytest.raises(InvalidInput):
        make_zone(district_officer, "99999")
    assert LockdownZone.objects.count() == 0


def test_an_area_reaching_another_district_is_refused(district_officer, units):
    other = units[MONG_CAI_COMMUNE]
    with pytest.raises(InvalidInput) as caught:
        make_zone(district_officer, HA_KHANH, area=square(other.longitude, other.latitude, 0.001))
    assert fields_of(caught.value) == {"area"}
    assert LockdownZone.objects.count() == 0


def test_an_end_before_the_start_is_refused(district_officer):
    with pytest.raises(InvalidInput) as caught:
        make_zone(district_officer, HA_KHANH, days_ago=1, ends_in=-2)
    assert fields_of(caught.value) == {"ends_at"}
    assert LockdownZone.objects.count() == 0


def test_nothing_picked_or_drawn_is_refused(district_officer):
    with pytest.raises(InvalidInput) as caught:
        make_zone(district_officer, name="")
    assert fields_of(caught.value) == {"name", "units"}


def test_commune_officers_may_not_create_zones(commune_officer):
    with pytest.raises(NotFound):
        make_zone(commune_officer, HA_KHANH)


def test_ending_a_zone(district_officer):
    zone = make_zone(district_officer, HA_KHANH)
    ended = services.end_zone(district_officer, zone.pk)
    assert ended.ends_at is not None and ended.ends_at <= timezone.now()
    assert ended.ended_by == district_officer
    assert not services.active_zones().filter(pk=zone.pk).exists()
    with pytest.raises(InvalidInput) as caught:
        services.end_zone(district_officer, zone.pk)
    assert fields_of(caught.value) == {"ends_at"}


def test_ending_before_the_start_is_refused(district_officer):
    zone = make_zone(district_officer, HA_KHANH, days_ago=1)
    with pytest.raises(InvalidInput):
        services.end_zone(district_officer, zone.pk, timezone.now() - dt.timedelta(days=3))
    zone.refresh_from_db()
    assert zone.ends_at is None


def test_officers_of_another_district_cannot_end_or_see_a_zone(district_officer, make_account, province_admin):
    other = make_account("district_officer", MONG_CAI, username="mong-cai")
    zone = make_zone(province_admin, HA_KHANH)
    with pytest.raises(NotFound):
        services.end_zone(other, zone.pk)
    assert not services.visible_zones(other).filter(pk=zone.pk).exists()
    assert services.visible_zones(district_officer).filter(pk=zone.pk).exists()


def test_a_commune_officer_sees_a_district_zone_covering_the_commune(district_officer, commune_officer):
    zone = make_zone(district_officer, HA_KHANH, HA_PHONG)
    assert list(services.visible_zones(commune_officer)) == [zone]
    with pytest.raises(NotFound):
        services.end_zone(commune_officer, zone.pk)


def test_update_recomputes_the_covered_communes(district_officer, units):
    zone = make_zone(district_officer, HA_KHANH)
    data = services.ZoneInput(name="Mở rộng", starts_at=zone.starts_at, units=[HA_KHANH, HA_PHONG])
    services.update_zone(district_officer, zone.pk, data)
    zone.refresh_from_db()
    assert set(zone.covered.values_list("code", flat=True)) == {HA_KHANH, HA_PHONG}
    assert zone.jurisdiction == units[HA_LONG]
    assert zone.name == "Mở rộng"


# --- Residents and cases -------------------------------------------------------------------------------------------


@pytest.fixture
def resident(commune_officer, make_person):
    return make_person(commune_officer, home_commune=HA_KHANH)


@pytest.fixture
def outsider(make_person, province_admin):
    return make_person(province_admin, home_commune=HA_PHONG)


def test_person_in_active_zone(district_officer, resident, outsider):
    zone = make_zone(district_officer, HA_KHANH, days_ago=2)
    assert services.person_in_active_zone(resident)
    assert not services.person_in_active_zone(outsider)
    assert not services.person_in_active_zone(resident, at=timezone.now() - dt.timedelta(days=3))
    services.end_zone(district_officer, zone.pk)
    assert not services.person_in_active_zone(resident)
    assert services.active_commune_ids(timezone.now() - dt.timedelta(days=1)) == {zone.jurisdiction_id}


def test_a_case_opened_in_an_active_zone_is_marked(
    district_officer, epidemiologist, resident, outsider, django_capture_on_commit_callbacks
):
    make_zone(district_officer, HA_KHANH)
    inside = open_case(epidemiologist, resident, django_capture_on_commit_callbacks)
    outside = open_case(epidemiologist, outsider, django_capture_on_commit_callbacks)
    assert inside.detected_in == DetectedIn.IN_LOCKDOWN_AREA
    assert outside.detected_in == DetectedIn.COMMUNITY
    audit = AuditEvent.objects.filter(object_type="case", object_id=str(inside.pk), action="update")
    assert [event.detail for event in audit] == [{"fields": ["detected_in"]}]


def test_after_the_zone_ended_a_case_is_community(
    district_officer, epidemiologist, resident, django_capture_on_commit_callbacks
):
    zone = make_zone(district_officer, HA_KHANH, days_ago=3)
    services.end_zone(district_officer, zone.pk)
    case = open_case(epidemiologist, resident, django_capture_on_commit_callbacks)
    assert case.detected_in == DetectedIn.COMMUNITY


def test_an_imported_case_stays_imported(
    district_officer, epidemiologist, resident, django_capture_on_commit_callbacks
):
    make_zone(district_officer, HA_KHANH)
    case = open_case(epidemiologist, resident, django_capture_on_commit_callbacks, detected_in="imported_abroad")
    assert case.detected_in == DetectedIn.IMPORTED_ABROAD


def test_a_zone_created_later_marks_the_cases_already_found_during_its_period(
    district_officer, epidemiologist, resident, django_capture_on_commit_callbacks
):
    case = open_case(epidemiologist, resident, django_capture_on_commit_callbacks)
    assert case.detected_in == DetectedIn.COMMUNITY
    zone = make_zone(district_officer, HA_KHANH, days_ago=2)
    case.refresh_from_db()
    assert case.detected_in == DetectedIn.IN_LOCKDOWN_AREA
    figures = services.zone_figures(zone)
    assert (figures.residents, figures.cases, figures.cases_marked) == (1, 1, 1)


def test_a_zone_starting_after_the_case_leaves_it_alone(
    district_officer, epidemiologist, resident, django_capture_on_commit_callbacks
):
    case = open_case(epidemiologist, resident, django_capture_on_commit_callbacks)
    zone = make_zone(district_officer, HA_KHANH, days_ago=-1)  # starts tomorrow
    case.refresh_from_db()
    assert case.detected_in == DetectedIn.COMMUNITY
    assert services.zone_figures(zone).cases == 0


def test_the_case_list_follows_the_viewer_and_is_audited(
    district_officer, epidemiologist, resident, leader, django_capture_on_commit_callbacks
):
    zone = make_zone(district_officer, HA_KHANH)
    case = open_case(epidemiologist, resident, django_capture_on_commit_callbacks)
    assert services.zone_case_list(district_officer, zone) == [case]
    assert AuditEvent.objects.filter(object_type="case", action="list", actor=district_officer).exists()
    assert services.zone_case_list(leader, zone) == []
