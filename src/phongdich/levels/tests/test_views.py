"""The levels screens by role, and venues of a closed kind in a level-4 commune shown as suspended."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.geo.models import AdministrativeUnit
from phongdich.levels import services
from phongdich.levels.models import Assessment, AssessmentStatus, LevelRuleSet
from phongdich.venues import services as venues
from phongdich.venues.models import Venue

from .conftest import HA_KHANH, HA_LONG, MONG_CAI


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def publish_level(admin, district, code: str, level: int) -> Assessment:
    """A published level for the unit (the computed result's level set by hand: the engine is tested elsewhere)."""
    result = services.assess_unit(admin, code)
    Assessment.objects.filter(pk=result.pk).update(level=level)
    services.propose(district, result.pk)
    services.approve(admin, result.pk)
    return services.publish(admin, result.pk)


def test_the_levels_page_by_role(units, province_admin, district_officer, commune_officer, leader, english):
    services.assess_all(province_admin)
    page = signed_in(commune_officer).get("/levels/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Phường Hà Khánh" in text and "Móng Cái" not in text
    assert "Propose" not in text and "Assess now" not in text
    district_page = signed_in(district_officer).get("/levels/").content.decode()
    assert "Propose" in district_page and "Approve" not in district_page
    leader_page = signed_in(leader).get("/levels/")
    assert leader_page.status_code == 200 and "Móng Cái" in leader_page.content.decode()
    assert signed_in(commune_officer).get(f"/levels/{MONG_CAI}/").status_code == 404
    assert "level 2:" in signed_in(leader).get(f"/levels/{HA_KHANH}/").content.decode()


def test_the_workflow_on_screen(units, province_admin, district_officer, english):
    result = services.assess_unit(province_admin, HA_KHANH)
    district = signed_in(district_officer)
    response = district.post("/levels/", {"action": "propose", "assessment": result.pk})
    assert response.status_code == 302
    assert district.post("/levels/", {"action": "approve", "assessment": result.pk}).status_code == 404
    admin = signed_in(province_admin)
    admin.post(f"/levels/{HA_KHANH}/", {"action": "approve", "assessment": result.pk})
    page = admin.get(f"/levels/{HA_KHANH}/").content.decode()
    assert "Publish" in page
    admin.post(f"/levels/{HA_KHANH}/", {"action": "publish", "assessment": result.pk, "effective_at": ""})
    assert Assessment.objects.get(pk=result.pk).status == AssessmentStatus.PUBLISHED
    assert "No level published yet." not in admin.get(f"/levels/{HA_KHANH}/").content.decode()


def test_the_rule_set_screen_refuses_a_gap_and_saves_an_edit(units, province_admin, english):
    rule_set = LevelRuleSet.objects.get(name="QĐ 4800/QĐ-BYT")
    admin = signed_in(province_admin)
    page = admin.get(f"/levels/rules/{rule_set.pk}/")
    assert page.status_code == 200 and "[recalled]" in page.content.decode()
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["valid_from"] = rule_set.valid_from.isoformat()
    data["count_severe_and_deaths"] = ""
    data["capacity_raises_level"] = "on"
    data["lower_2"] = 25  # band 1 ends below 20: a gap
    response = admin.post(f"/levels/rules/{rule_set.pk}/", data)
    assert response.status_code == 200
    assert "There is a gap before this band." in response.content.decode()
    rule_set.refresh_from_db()
    assert rule_set.bands[1]["lower"] == 20
    data["upper_1"] = 25
    response = admin.post(f"/levels/rules/{rule_set.pk}/", data)
    assert response.status_code == 302
    rule_set.refresh_from_db()
    assert rule_set.bands[0] == {"band": 1, "lower": 0.0, "upper": 25.0}


def test_capacity_screen(units, commune_officer, english):
    client = signed_in(commune_officer)
    page = client.get("/levels/capacity/")
    assert page.status_code == 200 and page.context["form"].fields["unit"].choices == [
        (HA_KHANH, "Phường Hà Khánh (06649)")
    ]
    response = client.post("/levels/capacity/", {"unit": HA_KHANH, "capacity_met": "no", "treatment_beds": "3"})
    assert response.status_code == 302
    assert services.latest_capacities()[AdministrativeUnit.objects.get(code=HA_KHANH).pk].capacity_met is False


def test_venues_of_a_closed_kind_in_a_level_4_commune_show_as_suspended(
    units, province_admin, district_officer, commune_officer, english
):
    def venue(name: str, kind: str, commune: str) -> Venue:
        return venues.register_venue(
            province_admin, venues.VenueInput(name=name, kind=kind, commune=commune, address="Tổ 1")
        )

    hotel = venue("Khách sạn Hạ Long", "hotel", HA_KHANH)
    restaurant = venue("Quán Hà Khánh", "restaurant", HA_KHANH)
    factory = venue("Nhà máy Hà Khánh", "factory", HA_KHANH)
    elsewhere = venue("Khách sạn Hà Phong", "hotel", "06652")
    assert services.venue_effective_status(hotel) == ("active", "")
    publish_level(province_admin, district_officer, HA_KHANH, 4)
    assert services.venue_effective_status(hotel) == ("suspended", "Suspended by level 4")
    assert services.venue_effective_status(restaurant) == ("restricted", "Restricted by level 4")
    assert services.venue_effective_status(factory) == ("active", "")
    assert services.venue_effective_status(elsewhere) == ("active", "")
    # The district's level applies to a commune with none of its own.
    publish_level(province_admin, district_officer, HA_LONG, 3)
    assert services.venue_effective_status(elsewhere) == ("restricted", "Restricted by level 3")
    hotel.refresh_from_db()
    assert hotel.status == "active"  # the stored status never changes
    client = signed_in(commune_officer)
    listing = client.get("/venues/").content.decode()
    assert listing.count("Suspended by level 4") == 1 and "Restricted by level 4" in listing
    assert "Suspended by level 4" in client.get(f"/venues/{hotel.pk}/").content.decode()
    assert "Suspended by level" not in client.get(f"/venues/{factory.pk}/").content.decode()
    # The check-in page says so too (the visit is still recorded).
    assert "Suspended by level 4" in Client().get(f"/c/{hotel.qr_key}").content.decode()
    assert "Suspended by level" not in Client().get(f"/c/{factory.qr_key}").content.decode()
    # Before the level took effect, nothing was suspended.
    before = timezone.now() - dt.timedelta(hours=1)
    assert services.venue_effective_status(hotel, before) == ("active", "")


@pytest.mark.django_db
def test_the_weekly_task_assesses_every_unit(units):
    from phongdich.levels.tasks import assess_all

    assert assess_all() == AdministrativeUnit.objects.count()
