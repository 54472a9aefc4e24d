"""The check-in bench's own database work: the COPY data of its ceiling figure, and the clean-up after a run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.checkins import benchmarks, services
from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.venues import services as venues

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench runs on PostgreSQL")


@pytest.fixture
def world(commune_officer, make_account, make_person):
    venue = venues.register_venue(
        commune_officer, venues.VenueInput(name="Chợ Hà Khánh", kind="market", commune="06649", address="Tổ 5")
    )
    person = make_person(commune_officer)
    device = make_account(Role.COMMUNE_OFFICER, "06649", username=benchmarks.BENCH_USER)
    return venue, person, device


def copy_in(batches: list[bytes]) -> None:
    statement = f"COPY {CheckIn._meta.db_table} ({', '.join(services.COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor:
        for body in batches:
            with cursor.cursor.copy(statement) as copy:
                copy.write(body)


def test_the_ceiling_rows_are_the_batch_records_postgresql_stores_as_given(world):
    venue, person, device = world
    before = timezone.now()
    batches = benchmarks._copy_batches([venue.pk], [person.pk], device.pk, batch_size=4, rows=10)
    assert len(batches) == 2
    copy_in(batches)
    stored = list(CheckIn.objects.all())
    assert len(stored) == 8
    assert len({checkin.uuid for checkin in stored}) == 8
    for checkin in stored:
        assert checkin.uuid.version == 4
        assert (checkin.venue_id, checkin.person_id, checkin.recorded_by_id) == (venue.pk, person.pk, device.pk)
        assert checkin.method == CheckInMethod.DEVICE and not checkin.checkout_inferred
        assert checkin.phone == "" and checkin.name == "" and checkin.checked_out_at is None
        assert abs(checkin.received_at - before) < dt.timedelta(seconds=5)
        # Like the bench's HTTP batches: a time in the last three days.
        assert before - dt.timedelta(days=3) <= checkin.checked_in_at <= before - dt.timedelta(seconds=59)


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_a_run_deletes_its_own_checkins_and_nothing_else(world):
    venue, person, device = world
    visitor = services.Visitor(phone="0912 345 678", name="Nguyễn Văn An")
    kept = services.record_checkin(None, venue=venue, visitor=visitor, method="venue_qr").checkin
    earlier = services.record_checkin(
        device, venue=venue, visitor=visitor, method="device", checked_in_at=timezone.now() - dt.timedelta(days=2)
    ).checkin
    started = timezone.now()
    copy_in(benchmarks._copy_batches([venue.pk], [person.pk], device.pk, batch_size=5, rows=5))
    assert CheckIn.objects.count() == 7

    benchmarks._remove_added_rows(started)
    assert set(CheckIn.objects.values_list("uuid", flat=True)) == {kept.uuid, earlier.uuid}
    # At the start of a run, everything an earlier run of the device account left.
    benchmarks._remove_added_rows(None)
    assert list(CheckIn.objects.values_list("uuid", flat=True)) == [kept.uuid]
