"""Synthetic venues and check-ins: counts by scale, valid places, the mobility model's bounds, replace."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from phongdich.checkins.models import CheckIn
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.people.models import Person
from phongdich.synth import services
from phongdich.synth.models import SynthRun
from phongdich.venues.models import Venue, VenueKind, VenueStatus

SCALE = 0.004
# Yesterday in Viet Nam: its whole day is over, so the data does not depend on the time the test runs.
AS_OF = services.today_in_vietnam() - dt.timedelta(days=1)


@pytest.fixture
def province(db):
    load_bundled_province()
    return AdministrativeUnit.objects.provinces().get()


def synth(*extra: str, scale: float = SCALE, seed: int = 5, as_of: dt.date = AS_OF) -> str:
    out = StringIO()
    call_command("synth", "--scale", str(scale), "--seed", str(seed), "--as-of", as_of.isoformat(), *extra, stdout=out)
    return out.getvalue()


def checkin_snapshot() -> list[tuple[object, ...]]:
    first_person = SynthRun.objects.get().id_range("person")[0]
    return sorted(
        (row[0] - first_person, row[1], row[2], row[3], row[4])
        for row in CheckIn.objects.values_list("person_id", "venue__code", "checked_in_at", "checked_out_at", "method")
    )


@pytest.mark.django_db
def test_venue_counts_scale_with_the_scale_and_every_venue_is_valid(province):
    synth(scale=0.002)
    small = Venue.objects.count()
    synth("--replace", scale=0.008)
    large = Venue.objects.count()
    assert SynthRun.objects.get().counts["venues"] == large
    # About 45,000 at full scale (Quảng Ninh registered 45,574 QR points).
    assert 40_000 * 0.008 < large < 52_000 * 0.008
    assert 2.8 < large / small < 5.4
    communes = set(AdministrativeUnit.objects.within(province).communes().values_list("pk", flat=True))
    kinds, statuses = set(VenueKind.values), set(VenueStatus.values)
    codes = set()
    for venue in Venue.objects.all():
        assert venue.commune_id in communes
        assert venue.kind in kinds and venue.status in statuses
        assert venue.name and venue.address and len(venue.code) == 8 and len(venue.qr_key) >= 16
        if venue.latitude is not None:
            assert 20.5 < venue.latitude < 21.9 and 106.2 < venue.longitude < 108.4
        codes.add(venue.code)
    assert len(codes) == large
    by_kind = Counter(Venue.objects.values_list("kind", flat=True))
    assert by_kind[VenueKind.SHOP] + by_kind[VenueKind.RESTAURANT] > large * 0.55
    by_status = Counter(Venue.objects.values_list("status", flat=True))
    assert by_status[VenueStatus.ACTIVE] > large * 0.8
    # Hotels cluster in Hạ Long's Bãi Cháy.
    hotels = Counter(Venue.objects.filter(kind=VenueKind.HOTEL).values_list("commune__code", flat=True))
    assert hotels.most_common(1)[0][0] == "06673"


@pytest.mark.django_db
def test_checkins_are_at_active_generated_venues_within_the_window_and_not_in_the_future(province):
    synth("--days", "3")
    run = SynthRun.objects.get()
    now = timezone.now()
    window_start = dt.datetime.combine(AS_OF - dt.timedelta(days=2), dt.time(), tzinfo=services.VIETNAM)
    window_end = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(), tzinfo=services.VIETNAM)
    checkins = list(CheckIn.objects.select_related("venue"))
    assert len(checkins) == run.counts["checkins"] > 1000
    venue_ids = set(Venue.objects.values_list("id", flat=True))
    first, last = run.id_range("person")
    explicit = 0
    for checkin in checkins:
        assert checkin.venue_id in venue_ids
        assert checkin.venue.status == VenueStatus.ACTIVE
        assert first <= checkin.person_id <= last
        assert window_start <= checkin.checked_in_at < window_end
        assert checkin.checked_in_at <= now
        if checkin.checked_out_at is not None:
            explicit += 1
            assert checkin.checked_in_at < checkin.checked_out_at <= now
    assert 0.5 < explicit / len(checkins) < 0.7
    # Local times: hardly anyone checks in between midnight and 5 in the morning.
    night = sum(1 for c in checkins if timezone.localtime(c.checked_in_at, services.VIETNAM).hour < 5)
    assert night == 0
    workplaces = sum(1 for c in checkins if c.venue.kind in (VenueKind.OFFICE, VenueKind.FACTORY))
    assert workplaces > len(checkins) * 0.1


@pytest.mark.django_db
def test_adoption_share_is_respected(province):
    synth("--adoption", "0.3")
    people = Person.objects.count()
    users = CheckIn.objects.values("person").distinct().count()
    assert abs(users / people - 0.3) < 0.05
    assert SynthRun.objects.get().counts["checkin_people"] == users


@pytest.mark.django_db
def test_same_seed_and_date_give_the_same_checkins(province):
    synth("--days", "2")
    first = checkin_snapshot()
    venues = sorted(Venue.objects.values_list("code", "name", "kind", "status", "commune_id"))
    synth("--days", "2", "--replace")
    assert checkin_snapshot() == first
    assert sorted(Venue.objects.values_list("code", "name", "kind", "status", "commune_id")) == venues
    synth("--days", "2", "--replace", seed=6)
    assert checkin_snapshot() != first


@pytest.mark.django_db
def test_replace_removes_the_venues_and_checkins_of_the_earlier_run(province):
    synth()
    old_venues = set(Venue.objects.values_list("id", flat=True))
    old_checkins = set(CheckIn.objects.values_list("uuid", flat=True))
    assert old_venues and old_checkins
    synth("--replace", seed=9)
    assert not set(Venue.objects.values_list("id", flat=True)) & old_venues
    assert not set(CheckIn.objects.values_list("uuid", flat=True)) & old_checkins
    run = SynthRun.objects.get()
    assert Venue.objects.count() == run.counts["venues"]
    assert CheckIn.objects.count() == run.counts["checkins"]


@pytest.mark.django_db
def test_a_reference_date_beyond_the_retention_period_gives_no_checkins(province):
    output = synth(as_of=dt.date(2021, 7, 1))
    assert Venue.objects.exists()
    assert not CheckIn.objects.exists()
    assert "check-ins: 0" in output


@pytest.mark.django_db
def test_bad_adoption_and_days_are_refused(province):
    with pytest.raises(CommandError):
        synth("--adoption", "1.5")
    with pytest.raises(CommandError):
        synth("--days", "30")
    assert not Venue.objects.exists()


def test_bench_checkins_refuses_production_and_uses_its_own_database(monkeypatch):
    from phongdich.checkins import benchmarks

    monkeypatch.setenv("PHONGDICH_ENV", "production")
    with pytest.raises(CommandError, match="production"):
        call_command("bench", "checkins", "--json", stdout=StringIO())
    monkeypatch.delenv("PHONGDICH_BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.example:5433/phongdich")
    assert benchmarks.bench_database_url(None) == "postgres://app:secret@db.example:5433/phongdich_bench"
    monkeypatch.setenv("DATABASE_URL", "")
    assert benchmarks.bench_database_url(None) == benchmarks.DEFAULT_BENCH_DATABASE
    assert benchmarks.bench_database_url("postgres://x@h/y") == "postgres://x@h/y"
