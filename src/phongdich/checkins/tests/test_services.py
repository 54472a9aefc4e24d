"""Check-ins through the services, as the citizen page, the scanner and the API use them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.checkins import services
from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.checkins.personal_qr import person_from_qr, personal_qr_token
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.people import services as people
from phongdich.venues import services as venues
from phongdich.venues.models import Venue, VenueStatus

HA_KHANH = "06649"
MONG_CAI_COMMUNE = "06727"


def new_venue(actor, commune=HA_KHANH, kind="market", name="Chợ Hà Khánh"):
    return venues.register_venue(actor, venues.VenueInput(name=name, kind=kind, commune=commune, address="Tổ 5, khu 3"))


class Place:
    """Two communes' venues, an operator's venue, and the accounts that work there."""

    def __init__(self, province_admin, commune_officer, make_account, make_person, make_cccd):
        self.admin = province_admin
        self.officer = commune_officer  # Hà Khánh
        self.market = new_venue(commune_officer)
        self.far = new_venue(province_admin, commune=MONG_CAI_COMMUNE, name="Chợ Móng Cái")
        self.operator = make_account(Role.VENUE_OPERATOR, username="chu-quan")
        self.cafe = venues.register_venue(
            self.operator, venues.VenueInput(name="Quán Cà phê", kind="restaurant", commune=HA_KHANH, address="Số 1")
        )
        venues.set_status(commune_officer, self.cafe.pk, VenueStatus.ACTIVE)
        self.cafe.refresh_from_db()
        self.far_officer = make_account(Role.COMMUNE_OFFICER, MONG_CAI_COMMUNE, username="officer-mong-cai")
        self.leader = make_account(Role.LEADER, "22", username="leader")
        self.citizen_id = make_cccd(dt.date(1985, 3, 12), "male")
        self.person = make_person(commune_officer, citizen_id=self.citizen_id)
        self.citizen = make_account(Role.CITIZEN, username="citizen")
        self.citizen.person = self.person
        self.citizen.save()


@pytest.fixture
def place(province_admin, commune_officer, make_account, make_person, make_cccd):
    return Place(province_admin, commune_officer, make_account, make_person, make_cccd)


def at_door(phone="0912 345 678", name="Nguyễn Văn An"):
    return services.Visitor(phone=phone, name=name)


# --- Venues by code ---------------------------------------------------------------------------------


def test_venues_by_code_from_the_directory_with_new_and_changed_ones_seen_at_once(place):
    assert services.venue_by_code(place.market.code.lower()).pk == place.market.pk  # the directory is read
    # Registered in another process since: not in this worker's directory, looked up on its own.
    elsewhere = Venue(name="Chợ đêm", kind="market", commune=place.market.commune, address="Số 2")
    Venue.objects.bulk_create([elsewhere])  # no signal reaches this process's memos
    assert services.venue_by_code(elsewhere.code).pk == elsewhere.pk
    with pytest.raises(NotFound):
        services.venue_by_code("NOSUCHCODE")
    # A change made through this process is seen by the next check-in, not after the directory's 10 s.
    venues.set_status(place.officer, place.market.pk, VenueStatus.SUSPENDED, reason="Ca bệnh")
    venue = services.venue_by_code(place.market.code)
    assert venue.status == VenueStatus.SUSPENDED
    recorded = services.record_checkin(None, venue=venue, visitor=at_door(), method="venue_qr")
    assert recorded.created and recorded.warning


# --- One check-in ---------------------------------------------------------------------------------


def test_a_visitor_scans_the_poster_and_a_retry_changes_nothing(place):
    key = uuid.uuid4()
    first = services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr", uuid=key)
    assert first.created and first.warning is None
    stored = CheckIn.objects.get(uuid=key)
    assert stored.phone == "+84912345678"
    assert stored.name == "Nguyễn Văn An"
    assert stored.method == CheckInMethod.VENUE_QR
    assert stored.venue == place.market
    assert stored.person is None and stored.recorded_by is None
    assert abs((stored.checked_in_at - timezone.now()).total_seconds()) < 5
    again = services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr", uuid=key)
    assert not again.created
    assert again.checkin.checked_in_at == stored.checked_in_at
    assert CheckIn.objects.count() == 1


def test_a_single_check_in_takes_few_queries(place):
    with CaptureQueriesContext(connection) as queries:
        services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr", uuid=uuid.uuid4())
    # The uuid lookup and the insert (a savepoint pair around the insert on some databases).
    writes_and_reads = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(writes_and_reads) <= 3, queries.captured_queries


def test_a_visitor_must_say_who_they_are(place, english):
    with pytest.raises(InvalidInput) as caught:
        services.record_checkin(None, venue=place.market, visitor=services.Visitor(), method="venue_qr")
    assert [e.field for e in caught.value.errors] == ["phone"]
    with pytest.raises(InvalidInput) as caught:
        services.record_checkin(None, venue=place.market, visitor=at_door(phone="0912 ABC"), method="venue_qr")
    assert [e.field for e in caught.value.errors] == ["phone"]
    assert not CheckIn.objects.exists()


def test_times_in_the_future_or_past_retention_are_refused(place, english, settings):
    now = timezone.now()
    for when in (now + dt.timedelta(minutes=6), now - dt.timedelta(days=22)):
        with pytest.raises(InvalidInput) as caught:
            services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=when)
        assert [e.field for e in caught.value.errors] == ["checked_in_at"]
    assert not CheckIn.objects.exists()
    # A device clock a little fast, and a visit of last week, are fine.
    for when in (now + dt.timedelta(minutes=4), now - dt.timedelta(days=7)):
        services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=when)
    assert CheckIn.objects.count() == 2
    settings.PHONGDICH = {**settings.PHONGDICH, "CHECKIN_RETENTION_DAYS": 5}
    with pytest.raises(InvalidInput):
        services.record_checkin(
            None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=now - dt.timedelta(days=6)
        )


def test_a_naive_time_is_local(place):
    local = timezone.localtime().replace(tzinfo=None, microsecond=0) - dt.timedelta(hours=1)
    recorded = services.record_checkin(
        None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=local
    )
    assert recorded.checkin.checked_in_at == timezone.make_aware(local)
    assert recorded.checkin.checked_in_at.tzinfo == dt.UTC


def test_a_suspended_venue_still_records_with_a_warning(place, english):
    venues.set_status(place.officer, place.market.pk, VenueStatus.SUSPENDED, reason="Ca F0 tại chợ")
    market = Venue.objects.get(pk=place.market.pk)
    recorded = services.record_checkin(None, venue=market, visitor=at_door(), method="venue_qr")
    assert recorded.created
    assert recorded.warning is not None and "suspended" in recorded.warning
    assert CheckIn.objects.filter(venue=market).count() == 1


def test_staff_scan_a_personal_qr(place):
    token = personal_qr_token(place.person)
    assert token.startswith("PD1:") and len(token) < 80
    assert place.person.citizen_id not in token and place.person.phone not in token
    person = person_from_qr(token)
    assert person == place.person
    recorded = services.record_checkin(
        place.officer, venue=place.market, visitor=services.Visitor(person=person), method="personal_qr"
    )
    assert recorded.checkin.person == place.person
    assert recorded.checkin.recorded_by == place.officer
    event = AuditEvent.objects.get(object_type="checkin", action="create")
    assert event.object_id == str(recorded.checkin.uuid)


def test_a_forged_or_malformed_personal_qr_is_refused(place, make_person):
    other = make_person(place.officer)
    token = personal_qr_token(place.person)
    prefix, person_id, signature = token.split(":")
    forged = [
        f"{prefix}:{other.pk}:{signature}",
        f"{prefix}:{person_id}:{signature[:-2]}xx",
        f"{prefix}:{person_id}",
        "PD1:",
        "hello",
        str(place.person.pk),
        "PD1:" + "9" * 200,
    ]
    for token in forged:
        with pytest.raises(InvalidInput) as caught:
            person_from_qr(token)
        assert [e.field for e in caught.value.errors] == ["personal_qr"], token


def test_a_merged_persons_qr_still_checks_in_the_survivor(place, make_person):
    duplicate = make_person(place.officer)
    token = personal_qr_token(duplicate)
    people.merge_persons(place.admin, place.person.pk, duplicate.pk)
    assert person_from_qr(token) == place.person


def test_typed_citizen_ids(place, english):
    assert services.identify_by_citizen_id(place.officer, place.citizen_id) == place.person
    spaced = f"{place.citizen_id[:4]} {place.citizen_id[4:]}"
    assert services.identify_by_citizen_id(None, spaced) == place.person
    with pytest.raises(NotFound):
        services.identify_by_citizen_id(place.officer, "022085999999")
    with pytest.raises(InvalidInput) as caught:
        services.identify_by_citizen_id(place.officer, "12AB")
    assert [e.field for e in caught.value.errors] == ["citizen_id"]
    # A leader records nobody.
    with pytest.raises(NotFound):
        services.identify_by_citizen_id(place.leader, place.citizen_id)


def test_staff_record_only_at_venues_they_work_at(place):
    visitor = services.Visitor(person=place.person)
    for actor, venue in (
        (place.officer, place.far),
        (place.far_officer, place.market),
        (place.operator, place.market),
        (place.leader, place.market),
        (place.citizen, place.market),
    ):
        with pytest.raises(NotFound):
            services.record_checkin(actor, venue=venue, visitor=visitor, method="typed_id")
    assert not CheckIn.objects.exists()
    services.record_checkin(place.operator, venue=place.cafe, visitor=visitor, method="typed_id")
    services.record_checkin(place.far_officer, venue=place.far, visitor=visitor, method="typed_id")
    assert CheckIn.objects.count() == 2


# --- Check-out ------------------------------------------------------------------------------------


def test_the_visitors_own_device_checks_out(place, english):
    recorded = services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr")
    key = recorded.checkin.uuid
    with pytest.raises(NotFound):
        services.check_out(key, visitor_phone="0987 654 321")
    with pytest.raises(NotFound):
        services.check_out(key, actor=place.far_officer)
    with pytest.raises(NotFound):
        services.check_out(uuid.uuid4(), visitor_phone="0912345678")
    with pytest.raises(InvalidInput) as caught:
        services.check_out(key, visitor_phone="0912345678", at=recorded.checkin.checked_in_at - dt.timedelta(hours=1))
    assert [e.field for e in caught.value.errors] == ["checked_out_at"]
    done = services.check_out(key, visitor_phone="+84 912 345 678")
    assert done.checked_out_at is not None and not done.checkout_inferred
    stored = CheckIn.objects.get(uuid=key)
    assert stored.checked_out_at == done.checked_out_at
    # A second check-out keeps the first time.
    assert services.check_out(key, visitor_phone="0912345678").checked_out_at == done.checked_out_at


def test_staff_and_the_citizen_check_out(place):
    visitor = services.Visitor(person=place.person)
    mine = services.record_checkin(None, venue=place.market, visitor=visitor, method="venue_qr").checkin
    assert services.check_out(mine.uuid, actor=place.citizen).checked_out_at is not None
    other = services.record_checkin(None, venue=place.cafe, visitor=at_door(), method="venue_qr").checkin
    assert services.check_out(other.uuid, actor=place.operator).checked_out_at is not None
    third = services.record_checkin(None, venue=place.market, visitor=at_door(), method="venue_qr").checkin
    with pytest.raises(NotFound):
        services.check_out(third.uuid, actor=place.operator)
    with pytest.raises(NotFound):
        services.check_out(third.uuid, actor=place.citizen)
    assert services.check_out(third.uuid, actor=place.officer, visitor_person_id=None).checked_out_at is not None


def test_forgotten_check_outs_are_inferred_at_the_default_stay(place):
    now = timezone.now()
    stay = venues.default_stay_minutes("market")
    old = services.record_checkin(
        None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=now - dt.timedelta(hours=3)
    ).checkin
    fresh = services.record_checkin(
        None,
        venue=place.market,
        visitor=at_door(),
        method="venue_qr",
        checked_in_at=now - dt.timedelta(minutes=stay - 10),
    ).checkin
    explicit = services.record_checkin(
        None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=now - dt.timedelta(hours=4)
    ).checkin
    services.check_out(explicit.uuid, visitor_phone="0912345678", at=now - dt.timedelta(hours=3, minutes=50))
    assert services.infer_checkouts(now=now) == 1
    inferred = CheckIn.objects.get(uuid=old.uuid)
    assert inferred.checkout_inferred
    assert inferred.checked_out_at == old.checked_in_at + dt.timedelta(minutes=stay)
    assert CheckIn.objects.get(uuid=fresh.uuid).checked_out_at is None
    kept = CheckIn.objects.get(uuid=explicit.uuid)
    assert not kept.checkout_inferred
    assert kept.checked_out_at == now - dt.timedelta(hours=3, minutes=50)
    assert services.infer_checkouts(now=now) == 0
    # An explicit check-out later replaces the inferred one.
    corrected = services.check_out(old.uuid, visitor_phone="0912345678", at=now - dt.timedelta(hours=2))
    assert not corrected.checkout_inferred
    assert CheckIn.objects.get(uuid=old.uuid).checked_out_at == now - dt.timedelta(hours=2)


def test_the_stay_rule_of_the_kind_is_used(place):
    stay = venues.default_stay_minutes("restaurant")
    now = timezone.now()
    visit = services.record_checkin(
        None, venue=place.cafe, visitor=at_door(), method="venue_qr", checked_in_at=now - dt.timedelta(hours=13)
    ).checkin
    services.infer_checkouts(now=now)
    assert CheckIn.objects.get(uuid=visit.uuid).checked_out_at == visit.checked_in_at + dt.timedelta(minutes=stay)


# --- Batches --------------------------------------------------------------------------------------


def batch_item(where, **fields):
    item = {
        "uuid": str(uuid.uuid4()),
        "venue": where.code,
        "checked_in_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "phone": "0912345678",
        "name": "Trần Thị Bình",
    }
    item.update(fields)
    return {k: v for k, v in item.items() if v is not None}


def test_a_batch_sent_twice_is_stored_once(place):
    items = [batch_item(place.market) for _ in range(50)]
    items.append(batch_item(place.market, phone=None, name=None, personal_qr=personal_qr_token(place.person)))
    items.append(batch_item(place.market, phone=None, name=None, citizen_id=place.citizen_id))
    first = services.record_batch(place.officer, items)
    assert [f.status for f in first] == ["created"] * 52
    assert [f.uuid for f in first] == [uuid.UUID(item["uuid"]) for item in items]
    assert CheckIn.objects.count() == 52
    assert CheckIn.objects.filter(person=place.person).count() == 2
    assert set(CheckIn.objects.values_list("method", flat=True)) == {CheckInMethod.DEVICE}
    before = sorted(CheckIn.objects.values_list("uuid", "checked_out_at", "phone", "received_at"))
    second = services.record_batch(place.officer, items)
    assert [f.status for f in second] == ["duplicate"] * 52
    assert CheckIn.objects.count() == 52
    assert sorted(CheckIn.objects.values_list("uuid", "checked_out_at", "phone", "received_at")) == before
    events = AuditEvent.objects.filter(object_type="checkin", action="create").order_by("at")
    assert [e.detail for e in events] == [
        {"batch": 52, "created": 52, "duplicate": 0, "rejected": 0},
        {"batch": 52, "created": 0, "duplicate": 52, "rejected": 0},
    ]


def test_malformed_records_are_reported_and_the_others_stored(place, english):
    now = timezone.now()
    good = batch_item(place.market, checked_out_at=(now - dt.timedelta(minutes=20)).isoformat())
    old_key = place.market.qr_key
    venues.rotate_qr(place.officer, place.market.pk)
    items = [
        good,
        batch_item(place.market, uuid="not-a-uuid"),
        batch_item(place.market, uuid=None),
        batch_item(place.market, venue="NOSUCH99"),
        batch_item(place.market, venue=None),
        batch_item(place.market, venue=None, qr_key=old_key),
        batch_item(place.far),  # another commune's venue: unknown to this officer
        batch_item(place.market, checked_in_at=(now + dt.timedelta(minutes=10)).isoformat()),
        batch_item(place.market, checked_in_at=(now - dt.timedelta(days=30)).isoformat()),
        batch_item(place.market, checked_in_at="yesterday"),
        batch_item(place.market, checked_out_at=(now - dt.timedelta(hours=2)).isoformat()),
        batch_item(place.market, phone="12"),
        batch_item(place.market, phone=None, name=None),
        batch_item(place.market, phone=None, personal_qr="PD1:1:forged"),
        batch_item(place.market, phone=None, citizen_id="022085999999"),
        "not an object",
        batch_item(place.market, name=7),
        {**good, "checked_in_at": good["checked_in_at"]},  # the same uuid twice in one batch
        batch_item(place.market, venue=None, qr_key=Venue.objects.get(pk=place.market.pk).qr_key),
    ]
    fates = services.record_batch(place.officer, items)
    summary = [(f.index, f.status, [e.field for e in f.errors]) for f in fates]
    assert summary == [
        (0, "created", []),
        (1, "rejected", ["uuid"]),
        (2, "rejected", ["uuid"]),
        (3, "rejected", ["venue"]),
        (4, "rejected", ["venue"]),
        (5, "rejected", ["qr_key"]),
        (6, "rejected", ["venue"]),
        (7, "rejected", ["checked_in_at"]),
        (8, "rejected", ["checked_in_at"]),
        (9, "rejected", ["checked_in_at"]),
        (10, "rejected", ["checked_out_at"]),
        (11, "rejected", ["phone"]),
        (12, "rejected", ["phone"]),
        (13, "rejected", ["personal_qr"]),
        (14, "rejected", ["citizen_id"]),
        (15, "rejected", ["item"]),
        (16, "rejected", ["name"]),
        (17, "duplicate", []),
        (18, "created", []),
    ]
    assert "replaced" in fates[5].errors[0].message
    assert CheckIn.objects.count() == 2
    stored = CheckIn.objects.get(uuid=good["uuid"])
    assert stored.checked_out_at is not None and not stored.checkout_inferred


def test_a_batch_resent_with_new_records_stores_only_the_new_ones_exactly(place):
    """On PostgreSQL the first try (COPY, all or none) fails on the stored records; nothing of it remains, and
    the exact path stores the new ones and names the stored ones."""
    sent = [batch_item(place.market) for _ in range(5)]
    services.record_batch(place.officer, sent)
    stored = sorted(CheckIn.objects.values_list("uuid", "received_at"))
    fresh = [batch_item(place.market) for _ in range(3)]
    mixed = [fresh[0], *sent[:2], fresh[1], *sent[2:], fresh[2]]

    fates = services.record_batch(place.officer, mixed)

    expected = ["created", "duplicate", "duplicate", "created", "duplicate", "duplicate", "duplicate", "created"]
    assert [fate.status for fate in fates] == expected
    assert CheckIn.objects.count() == 8
    earlier = CheckIn.objects.filter(uuid__in=[row[0] for row in stored])
    assert sorted(earlier.values_list("uuid", "received_at")) == stored
    assert set(CheckIn.objects.values_list("uuid", flat=True)) == {uuid.UUID(item["uuid"]) for item in mixed}


def test_a_batch_takes_the_same_queries_whatever_its_size(place):
    def queries_for(n):
        items = [batch_item(place.market) for _ in range(n)]
        items += [batch_item(place.market, phone=None, citizen_id=place.citizen_id) for _ in range(n)]
        items += [batch_item(place.market, phone=None, personal_qr=personal_qr_token(place.person)) for _ in range(n)]
        with CaptureQueriesContext(connection) as captured:
            services.record_batch(place.officer, items)
        inserts = [q for q in captured if q["sql"].startswith(("INSERT", "COPY")) and '"checkins_checkin" ' in q["sql"]]
        return len(captured) - len(inserts), len(inserts)

    (small_reads, small_inserts), (large_reads, large_inserts) = queries_for(2), queries_for(300)
    # Look-ups once per batch, whatever its size; rows go in one COPY (PostgreSQL) or multi-row INSERTs (SQLite
    # takes fewer per statement).
    assert small_reads == large_reads <= 10
    assert small_inserts == 1
    assert large_inserts <= 900 // connection.ops.bulk_batch_size(["a"] * 12, [None] * 900) + 1


def test_a_batch_too_large_is_refused(place):
    with pytest.raises(InvalidInput):
        services.record_batch(place.officer, [{}] * (services.MAX_BATCH + 1))


def test_a_device_records_at_its_operators_venue_only(place):
    fates = services.record_batch(place.operator, [batch_item(place.cafe), batch_item(place.market)])
    assert [f.status for f in fates] == ["created", "rejected"]
    fates = services.record_batch(place.leader, [batch_item(place.market)])
    assert [f.status for f in fates] == ["rejected"]


def test_a_suspended_venue_batch_records_with_a_warning(place):
    venues.set_status(place.officer, place.market.pk, VenueStatus.SUSPENDED, reason="Phong toả")
    fates = services.record_batch(place.officer, [batch_item(place.market)])
    assert fates[0].status == "created" and fates[0].warning


# --- Reads ----------------------------------------------------------------------------------------


def test_tracing_reads_are_scoped(place):
    by_person = services.Visitor(person=place.person)
    at_market = services.record_checkin(None, venue=place.market, visitor=by_person, method="venue_qr").checkin
    at_cafe = services.record_checkin(None, venue=place.cafe, visitor=at_door(), method="venue_qr").checkin
    at_far = services.record_checkin(None, venue=place.far, visitor=at_door(), method="venue_qr").checkin

    def seen(actor, **criteria):
        return {c.uuid for c in services.search_checkins(actor, **criteria)}

    assert seen(place.officer) == {at_market.uuid, at_cafe.uuid}
    assert seen(place.far_officer) == {at_far.uuid}
    assert seen(place.admin) == {at_market.uuid, at_cafe.uuid, at_far.uuid}
    assert seen(place.operator) == {at_cafe.uuid}
    assert seen(place.citizen) == {at_market.uuid}
    assert seen(place.leader) == set()
    assert seen(place.officer, venue=place.market.code) == {at_market.uuid}
    assert seen(place.officer, person=place.person.pk) == {at_market.uuid}
    assert seen(place.far_officer, person=place.person.pk) == set()
    later = timezone.now() + dt.timedelta(minutes=1)
    assert seen(place.admin, since=later) == set()
    assert seen(place.admin, until=later) == {at_market.uuid, at_cafe.uuid, at_far.uuid}


def test_presence_counts_who_is_there_now(place):
    now = timezone.now()
    if timezone.localtime(now).hour < 3:
        # Early in the local day: look as of late yesterday, so the three visits fall on one local day.
        now -= dt.timedelta(hours=timezone.localtime(now).hour + 1)
    stay = venues.default_stay_minutes("market")
    times = [now - dt.timedelta(minutes=5), now - dt.timedelta(minutes=10), now - dt.timedelta(minutes=stay + 30)]
    uuids = []
    for when in times:
        uuids.append(
            services.record_checkin(
                None, venue=place.market, visitor=at_door(), method="venue_qr", checked_in_at=when
            ).checkin.uuid
        )
    services.check_out(uuids[1], visitor_phone="0912345678", at=now - dt.timedelta(minutes=1))
    presence = services.venue_presence(place.market, now=now)
    assert presence.present_now == 1
    assert presence.visits_today == 3
    assert len(presence.by_hour) == 24 and sum(presence.by_hour) == 3
    for when in times:
        assert presence.by_hour[timezone.localtime(when).hour] >= 1
    assert services.venue_presence(place.cafe, now=now).visits_today == 0


def test_merging_persons_moves_their_check_ins(place, make_person):
    duplicate = make_person(place.officer)
    for _ in range(3):
        services.record_checkin(None, venue=place.market, visitor=services.Visitor(person=duplicate), method="venue_qr")
    services.record_checkin(None, venue=place.market, visitor=services.Visitor(person=place.person), method="venue_qr")
    merge = people.merge_persons(place.admin, place.person.pk, duplicate.pk)
    assert merge.moved == {"checkins.checkin": 3}
    assert CheckIn.objects.filter(person=place.person).count() == 4
    assert CheckIn.objects.count() == 4


def test_the_fast_phone_path_agrees_with_the_registry(db):
    from phongdich.people import identity

    samples = ["0912 345 678", "+84912345678", "84912345678", "0912.345.678", "0356-123-456", "0521234567"]
    samples += ["0591234567", "0861234567", "0201234567", "+84 0912345678", "0912 34567", "09123456789", "0111111111"]
    samples += [f"0{p}{n:05d}" for p in range(3000, 10000, 37) for n in (0, 54321)]
    for raw in samples:
        try:
            expected = identity.normalise_phone(raw)
        except identity.IdentityError:
            with pytest.raises(InvalidInput):
                services._normalised_phone(raw)
        else:
            assert services._normalised_phone(raw) == expected, raw


def test_batch_records_keep_how_the_device_read_the_visitor(place, english):
    items = [
        batch_item(
            place.market, phone=None, name=None, personal_qr=personal_qr_token(place.person), method="personal_qr"
        ),
        batch_item(place.market, phone=None, name=None, citizen_id=place.citizen_id, method="typed_id"),
        batch_item(place.market),
        batch_item(place.market, method="venue_qr"),
    ]
    fates = services.record_batch(place.officer, items)
    assert [f.status for f in fates] == ["created", "created", "created", "rejected"]
    assert [e.field for e in fates[3].errors] == ["method"]
    stored = dict(CheckIn.objects.values_list("uuid", "method"))
    assert [stored[uuid.UUID(item["uuid"])] for item in items[:3]] == ["personal_qr", "typed_id", "device"]
