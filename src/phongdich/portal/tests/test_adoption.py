"""Campaign figures against counts built through the services that make each kind of user."""

import datetime as dt
import json
import uuid

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.checkins import services as checkins
from phongdich.exposure import services as exposure
from phongdich.geo.models import AdministrativeUnit
from phongdich.portal import adoption, signin
from phongdich.venues import services as venues
from phongdich.venues.models import VenueStatus

HA_KHANH = "06649"
MONG_CAI = "06727"


def test_figures_count_each_kind_of_user_by_home_commune(commune_officer, province_admin, make_person, make_cccd):
    def person(commune, n, phone=""):
        born = dt.date(1980, 1, 1) + dt.timedelta(days=n)
        return make_person(
            province_admin,
            home_commune=commune,
            citizen_id=make_cccd(born, "male", serial=n),
            date_of_birth=born,
            sex="male",
            phone=phone,
        )

    a = person(HA_KHANH, 1, "0912 000 001")
    b = person(HA_KHANH, 2, "0912 000 002")
    c = person(HA_KHANH, 3)
    far = person(MONG_CAI, 4, "0912 000 004")
    for p in (a, far):
        signin.account_for(p)
    market = venues.register_venue(
        commune_officer, venues.VenueInput(name="Chợ", kind="market", commune=HA_KHANH, address="Tổ 1")
    )
    assert market.status == VenueStatus.ACTIVE  # registered by the commune: active at once
    now = timezone.now()
    for p, back in ((a, 1), (a, 2), (c, 3)):
        checkins.record_checkin(
            None,
            venue=market,
            visitor=checkins.Visitor(person=p),
            method="venue_qr",
            checked_in_at=now - dt.timedelta(hours=back),
        )
    exposure.install_for_system(b, exposure.InstallInput(uuid.uuid4(), True, True), now)

    rows = {row.code: row for row in adoption.figures()}
    assert len(rows) == 177
    ha_khanh = rows[HA_KHANH]
    assert ha_khanh.counts == {"registered": 1, "qr_holders": 2, "checkin_users": 2, "exposure_users": 1}
    assert rows[MONG_CAI].counts == {"registered": 1, "qr_holders": 1, "checkin_users": 0, "exposure_users": 0}
    # Once the check-ins are older than the retention window, their visitors no longer count.
    later = now + dt.timedelta(days=checkins.retention_days(), hours=4)
    assert {row.code: row for row in adoption.figures(now=later)}[HA_KHANH].checkin_users == 0
    population = AdministrativeUnit.objects.get(code=HA_KHANH).population
    assert ha_khanh.share("registered") == 100.0 / population
    total = adoption.total(list(rows.values()))
    assert total.counts == {"registered": 2, "qr_holders": 3, "checkin_users": 2, "exposure_users": 1}
    assert total.population == sum(r.population for r in rows.values())

    # The public page shows the province line; the internal one is limited to the account's units.
    public = Client().get(reverse("portal-adoption"))
    assert public.status_code == 200 and public.context["total"].counts == total.counts
    client = Client()
    client.force_login(commune_officer)
    internal = client.get(reverse("portal-adoption-internal"))
    assert [row.code for row in internal.context["rows"]] == [HA_KHANH]
    assert json.dumps(internal.context["total"].counts) == json.dumps(ha_khanh.counts)


def test_one_query_per_figure(units, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        adoption.figures()
