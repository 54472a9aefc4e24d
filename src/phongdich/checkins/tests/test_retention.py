"""Check-ins are kept for the retention period and then deleted; on PostgreSQL the table is partitioned by day."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.audit.models import AuditEvent
from phongdich.checkins import services, tasks
from phongdich.checkins.models import CheckIn
from phongdich.checkins.tests.test_services import new_venue
from phongdich.venues.models import Venue

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's")

PHONE = "+84912345678"
NAME = "Nguyễn Văn An"


@pytest.fixture
def market(commune_officer):
    return new_venue(commune_officer)


def store(venue: Venue, *times: dt.datetime) -> list[CheckIn]:
    """Rows as a device uploaded them in the past (stored directly: the services refuse times that old)."""
    rows = [
        CheckIn(uuid=uuid.uuid4(), checked_in_at=when, venue=venue, phone=PHONE, name=NAME, method="device")
        for when in times
    ]
    return CheckIn.objects.bulk_create(rows)


def test_purge_deletes_what_is_older_than_the_retention_and_logs_counts_only(market, caplog):
    now = timezone.now()
    store(market, now - dt.timedelta(days=40), now - dt.timedelta(days=22), now - dt.timedelta(days=21, minutes=1))
    kept = store(market, now - dt.timedelta(days=20, hours=23), now - dt.timedelta(days=1), now)
    with caplog.at_level(logging.INFO, logger="phongdich.checkins.services"):
        assert services.purge_expired(now=now) == 3
    assert set(CheckIn.objects.values_list("uuid", flat=True)) == {c.uuid for c in kept}
    event = AuditEvent.objects.get(object_type="checkin", action="delete")
    assert event.actor is None
    assert event.detail["deleted"] == 3
    assert event.detail["before"] == (now - dt.timedelta(days=21)).isoformat()
    trail = f"{event.detail} {event.object_id} {event.object_ids}"
    log = caplog.text
    for personal in (PHONE, "912345678", NAME, *(str(c.uuid) for c in kept)):
        assert personal not in trail
        assert personal not in log
    assert "Purged 3 check-ins" in log
    assert services.purge_expired(now=now) == 0


def test_the_retention_period_is_configurable(market, settings):
    settings.PHONGDICH = {**settings.PHONGDICH, "CHECKIN_RETENTION_DAYS": 3}
    now = timezone.now()
    store(market, now - dt.timedelta(days=4), now - dt.timedelta(days=2))
    assert tasks.purge_expired() == 1
    assert CheckIn.objects.count() == 1


def test_the_periodic_tasks_are_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"checkins.infer_checkouts", "checkins.purge_expired", "checkins.ensure_partitions"} <= scheduled


def test_partition_maintenance_is_a_no_op_elsewhere(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has partitions")
    assert services.ensure_partitions() == 0
    assert services.partition_days() == {}


def _partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s",
            ["checkins_checkin"],
        )
        row = cursor.fetchone()
    return row is not None and row[0] == "r"


def _partition_of(row: CheckIn) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM checkins_checkin WHERE uuid = %s AND checked_in_at = %s",
            [row.uuid, row.checked_in_at],
        )
        return str(cursor.fetchone()[0])


@on_postgresql
def test_the_table_is_partitioned_by_day_with_a_default(db):
    assert _partitioned()
    days = services.partition_days()
    today = timezone.localdate()
    for offset in range(-services.retention_days(), 8):
        assert today + dt.timedelta(days=offset) in days, offset
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'checkins_checkin'::regclass"
        )
        bounds = dict(cursor.fetchall())
        # The key and indexes are declared once, on the parent, and every partition has them.
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'checkins_checkin'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert bounds["checkins_checkin_default"] == "DEFAULT"
    assert {"checkins_checkin_pkey", "checkins_venue_time", "checkins_person_time", "checkins_phone_time"} <= indexes
    # A local (Asia/Ho_Chi_Minh) day: midnight at +07 is 17:00 UTC the day before.
    assert "17:00:00+00" in bounds[days[today]]
    assert services.ensure_partitions() == 0


@on_postgresql
def test_rows_go_to_their_days_partition_or_the_default(market):
    now = timezone.now()
    today, ancient = store(market, now, now - dt.timedelta(days=300))
    assert _partition_of(today) == services.partition_days()[timezone.localdate(now)]
    assert _partition_of(ancient) == "checkins_checkin_default"


@on_postgresql
def test_a_new_days_partition_takes_its_rows_out_of_the_default(market):
    far_day = timezone.localdate() + dt.timedelta(days=30)
    when = timezone.make_aware(dt.datetime.combine(far_day, dt.time(9, 30)))
    (row,) = store(market, when)
    assert _partition_of(row) == "checkins_checkin_default"
    assert services.ensure_partitions(days_ahead=31) == 31 - 7
    assert _partition_of(row) == f"checkins_checkin_p{far_day:%Y%m%d}"
    assert CheckIn.objects.get(uuid=row.uuid).phone == PHONE


@on_postgresql
def test_purge_drops_whole_days_and_trims_the_boundary(market):
    now = timezone.now()
    store(market, now - dt.timedelta(hours=1), now, now - dt.timedelta(days=300))
    later = now + dt.timedelta(days=22)
    partitions_before = services.partition_days()
    today = timezone.localdate(now)
    assert today in partitions_before
    assert services.purge_expired(now=later) == 3
    after = services.partition_days()
    assert today not in after  # the day's partition was dropped, not emptied row by row
    assert timezone.localdate(later) + dt.timedelta(days=7) in after
    assert not CheckIn.objects.exists()
    event = AuditEvent.objects.get(object_type="checkin", action="delete")
    assert event.detail["deleted"] == 3
    assert event.detail["partitions_dropped"] >= 1
