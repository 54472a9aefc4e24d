"""The zone screens: list, create from the form (picked communes), a zone's page with its figures, end; scope."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases.models import DetectedIn
from phongdich.lockdown.models import LockdownZone
from phongdich.lockdown.tests.conftest import HA_KHANH, HA_PHONG, MONG_CAI, MONG_CAI_COMMUNE, make_zone, open_case


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**extra):
    data = {
        "name": "Phong tỏa khu 3",
        "reason": "Ổ dịch",
        "starts_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": "",
        "units": [HA_KHANH],
        "area": "",
    }
    data.update(extra)
    return data


def test_a_district_officer_creates_a_zone_from_the_form(district_officer):
    client = signed_in(district_officer)
    page = client.get(reverse("zone-create"))
    assert page.status_code == 200
    assert b'id="draw-start"' in page.content and b'name="area"' in page.content
    response = client.post(reverse("zone-create"), form_data())
    zone = LockdownZone.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("zone-detail", args=[zone.pk])
    assert list(zone.covered.values_list("code", flat=True)) == [HA_KHANH]
    listing = client.get(reverse("zone-list"))
    assert "Phong tỏa khu 3" in listing.content.decode()


def test_form_errors_are_shown_and_nothing_is_stored(district_officer, english):
    client = signed_in(district_officer)
    later = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("zone-create"), form_data(ends_at=later))
    assert response.status_code == 200
    assert "The end must come after the start." in response.content.decode()
    response = client.post(reverse("zone-create"), form_data(units=[], area='{"type": "Polygon"}'))
    assert "A polygon is a list of rings." in response.content.decode()
    response = client.post(reverse("zone-create"), form_data(units=[MONG_CAI_COMMUNE]))
    assert response.status_code == 200  # not a choice in a Hạ Long officer's list
    assert LockdownZone.objects.count() == 0


def test_the_zone_page_counts_residents_and_cases_and_lists_them_in_scope(
    district_officer, epidemiologist, commune_officer, make_person, leader, django_capture_on_commit_callbacks
):
    zone = make_zone(district_officer, HA_KHANH, HA_PHONG)
    here = make_person(epidemiologist, home_commune=HA_KHANH)
    there = make_person(epidemiologist, home_commune=HA_PHONG)
    make_person(epidemiologist, home_commune=HA_KHANH)
    first = open_case(epidemiologist, here, django_capture_on_commit_callbacks)
    second = open_case(epidemiologist, there, django_capture_on_commit_callbacks)
    assert first.detected_in == second.detected_in == DetectedIn.IN_LOCKDOWN_AREA
    page = signed_in(district_officer).get(reverse("zone-detail", args=[zone.pk]))
    text = page.content.decode()
    assert 'id="zone-residents">3<' in text
    assert 'id="zone-cases">2<' in text and 'id="zone-cases-marked">2<' in text
    assert first.number in text and second.number in text
    assert 'id="zone-end-form"' in text
    # The commune officer of Hà Khánh sees the figures, and only the case of Hà Khánh, and cannot end the zone.
    text = signed_in(commune_officer).get(reverse("zone-detail", args=[zone.pk])).content.decode()
    assert 'id="zone-cases">2<' in text
    assert first.number in text and second.number not in text
    assert 'id="zone-end-form"' not in text


def test_ending_from_the_page(district_officer):
    zone = make_zone(district_officer, HA_KHANH)
    response = signed_in(district_officer).post(reverse("zone-end", args=[zone.pk]), {"ends_at": ""})
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.ends_at is not None and zone.ended_by == district_officer


def test_another_district_gets_404(district_officer, make_account):
    zone = make_zone(district_officer, HA_KHANH)
    other = signed_in(make_account(Role.DISTRICT_OFFICER, MONG_CAI, username="mong-cai"))
    assert other.get(reverse("zone-detail", args=[zone.pk])).status_code == 404
    assert other.post(reverse("zone-end", args=[zone.pk])).status_code == 404
    assert other.get(reverse("zone-edit", args=[zone.pk])).status_code == 404
    zone.refresh_from_db()
    assert zone.ends_at is None


def test_editing_a_zone_keeps_its_drawn_area_field(district_officer, units):
    commune = units[HA_PHONG]
    area = {
        "type": "Polygon",
        "coordinates": [
            [
                [commune.longitude - 0.001, commune.latitude - 0.001],
                [commune.longitude + 0.001, commune.latitude - 0.001],
                [commune.longitude, commune.latitude + 0.001],
                [commune.longitude - 0.001, commune.latitude - 0.001],
            ]
        ],
    }
    zone = make_zone(district_officer, HA_KHANH, area=area)
    client = signed_in(district_officer)
    page = client.get(reverse("zone-edit", args=[zone.pk]))
    assert b"Polygon" in page.content
    response = client.post(reverse("zone-edit", args=[zone.pk]), form_data(name="Đổi tên", area=""))
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.name == "Đổi tên" and zone.area is None
    assert list(zone.covered.values_list("code", flat=True)) == [HA_KHANH]
