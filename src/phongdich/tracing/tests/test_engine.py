"""The tracing engine on exact cases: who is an F1 or F2 of a case, and why (see tracing.engine for the rule).

Runs on SQLite and, with DATABASE_URL, on PostgreSQL's day-partitioned check-in table.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from phongdich.cases import services as cases
from phongdich.checkins import services as checkins
from phongdich.checkins.models import CheckIn
from phongdich.tracing import engine, services
from phongdich.tracing.models import ContactEvidence, FollowUp, RunStatus, TracingPolicy, TracingRun
from phongdich.tracing.tests.world import World, minutes


@pytest.fixture
def world(units, make_account, make_person):
    return World(make_account, make_person)


def test_the_default_policy_is_stored_as_data(db):
    policy = services.current_policy()
    assert (policy.version, policy.days_before_onset, policy.tolerance_minutes) == (1, 2, 60)
    assert (policy.close_minutes, policy.max_f1_for_f2, policy.max_f2_per_f1, policy.max_f2_per_case) == (
        15,
        20,
        25,
        500,
    )


def test_infectious_window_runs_from_two_days_before_onset_or_sampling_to_isolation(world):
    policy = services.current_policy()
    confirmed = world.t0 + dt.timedelta(days=2)
    isolated = world.t0 + dt.timedelta(days=1)
    start, end = engine.infectious_window(dt.date(2021, 7, 10), confirmed, None, policy)
    assert start.isoformat() == "2021-07-08T00:00:00+07:00"
    assert end == confirmed
    assert engine.infectious_window(dt.date(2021, 7, 10), confirmed, isolated, policy)[1] == isolated


def test_venue_co_presence_follows_the_rule_exactly(world):
    t0, market = world.t0, world.market
    world.visit(world.f0, market, t0, t0 + minutes(30))
    overlapping = world.person()
    world.visit(overlapping, market, t0 + minutes(10), t0 + minutes(20))  # inside the stay: 10 minutes
    longer = world.person()
    world.visit(longer, market, t0 - minutes(45), t0 + minutes(90))  # covers the stay: 30 minutes
    at_boundary = world.person()
    world.visit(at_boundary, market, t0 + minutes(90))  # no check-out: from T0+30, meets the end exactly
    beyond = world.person()
    world.visit(beyond, market, t0 + minutes(91))  # a minute further: no
    left_before = world.person()
    world.visit(left_before, market, t0 - minutes(60), t0 - minutes(1))
    elsewhere = world.person()
    world.visit(elsewhere, world.cafe, t0, t0 + minutes(30))
    world.visit(None, market, t0 + minutes(5), phone="0987 654 321")  # a visitor known by phone only
    case = world.open_case()

    run = world.trace(case)

    found = world.contacts(case, degree=1)
    assert set(found) == {overlapping.pk, longer.pk, at_boundary.pk, "+84987654321"}
    assert run.status == RunStatus.DONE and run.f1_count == 4
    # Who stayed on after the F0 left met the close F1s: an F2, through the closest of them.
    assert set(world.contacts(case, degree=2)) == {beyond.pk}
    assert {key: c.evidence.get().overlap_minutes for key, c in found.items()} == {
        overlapping.pk: 10,
        longer.pk: 30,
        at_boundary.pk: 0,
        "+84987654321": 30,  # a scan without check-out: T0+5 ± 60 minutes covers the whole stay
    }
    evidence = found[overlapping.pk].evidence.get()
    assert (evidence.source, evidence.venue, evidence.started_at, evidence.ended_at) == (
        "venue",
        market,
        t0 + minutes(10),
        t0 + minutes(20),
    )
    assert found[overlapping.pk].close is False and found[longer.pk].close is True
    phone_only = found["+84987654321"]
    assert phone_only.person is None and phone_only.name == "Khách"
    assert phone_only.commune == market.commune  # unknown home: the venue's commune calls
    assert found[longer.pk].commune == longer.home_commune
    assert {c.degree for c in found.values()} == {1}


def test_a_scan_without_check_out_counts_sixty_minutes_either_side(world):
    t0, market = world.t0, world.market
    world.visit(world.f0, market, t0)  # the F0 did not check out: T0-60 to T0+60
    before = world.person()
    world.visit(before, market, t0 - minutes(120), t0 - minutes(60))  # ends exactly at T0-60
    too_early = world.person()
    world.visit(too_early, market, t0 - minutes(120), t0 - minutes(61))
    after = world.person()
    world.visit(after, market, t0 + minutes(119))  # its own -60 reaches T0+59
    case = world.open_case()
    world.trace(case)
    found = world.contacts(case)
    assert set(found) == {before.pk, after.pk}
    assert found[after.pk].evidence.get().overlap_minutes == 1


def test_only_the_infectious_period_counts(world):
    t0, market = world.t0, world.market
    start = world.window_start
    world.visit(world.f0, market, start - minutes(30))  # no check-out: counts from the window's start only
    before_window = world.person()
    world.visit(before_window, market, start - minutes(40), start - minutes(1))
    in_window = world.person()
    world.visit(in_window, market, start + minutes(10), start + minutes(20))
    world.visit(world.f0, world.cafe, start - dt.timedelta(hours=5), start - dt.timedelta(hours=4))
    early = world.person()
    world.visit(early, world.cafe, start - dt.timedelta(hours=5), start - dt.timedelta(hours=4))
    case = world.open_case(isolated_at=t0 - dt.timedelta(hours=2))
    world.trace(case)
    assert set(world.contacts(case)) == {in_window.pk}


def test_an_inferred_check_out_extends_the_stay_to_the_venue_kinds_default(world):
    t0, office = world.t0, world.office
    world.visit(world.f0, office, t0, t0 + minutes(30))
    colleague = world.person()
    world.visit(colleague, office, t0 - dt.timedelta(hours=5))  # no check-out: T0-6h to T0-4h
    case = world.open_case()
    world.trace(case)
    assert world.contacts(case) == {}
    assert checkins.infer_checkouts() >= 1  # an office stay is 8 hours: until T0+3h
    world.trace(case)
    contact = world.contacts(case)[colleague.pk]
    assert contact.evidence.get().overlap_minutes == 30


def test_household_and_named_contacts_merge_with_venue_contacts(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    spouse = world.person(household="HK-0001")
    friend = world.person(commune="06652")
    world.visit(friend, world.market, t0, t0 + minutes(20))
    case = world.open_case()
    services.add_named_contact(
        world.epi,
        case.pk,
        services.NamedContactInput(setting="social", date=world.t0.date(), person=friend.pk),
    )
    services.add_named_contact(
        world.epi,
        case.pk,
        services.NamedContactInput(
            setting="work", date=world.t0.date(), phone="0977 111 222", name="Anh Tư", closeness="casual"
        ),
    )
    world.trace(case)
    found = world.contacts(case, degree=1)
    assert set(found) == {spouse.pk, friend.pk, "+84977111222"}
    assert found[spouse.pk].source_list == ["household"] and found[spouse.pk].close
    assert found[friend.pk].source_list == ["named", "venue"]
    assert sorted(e.source for e in found[friend.pk].evidence.all()) == ["named", "venue"]
    assert found["+84977111222"].close is False and found["+84977111222"].name == "Anh Tư"
    assert found["+84977111222"].commune == case.commune
    assert set(engine.SOURCES) == {"venue", "household", "named", "bluetooth"}


def test_a_registered_phone_is_the_person(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    known = world.person(phone="0966 555 444")
    world.visit(None, world.market, t0, t0 + minutes(30), phone="0966555444")
    case = world.open_case()
    world.trace(case)
    assert set(world.contacts(case)) == {known.pk}


def test_f2_are_close_contacts_of_close_f1s_within_the_bounds(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    close_f1 = world.person()
    world.visit(close_f1, world.market, t0, t0 + minutes(30))  # 30 minutes: close
    casual_f1 = world.person()
    world.visit(casual_f1, world.market, t0 + minutes(25), t0 + minutes(40))  # 5 minutes: not close
    later = t0 + dt.timedelta(hours=5)
    f2_long, f2_short, f2_brief = world.person(), world.person(), world.person()
    world.visit(close_f1, world.cafe, later, later + minutes(60))
    world.visit(f2_long, world.cafe, later, later + minutes(60))  # 60 minutes with the F1
    world.visit(f2_short, world.cafe, later + minutes(40), later + minutes(80))  # 20 minutes
    world.visit(f2_brief, world.cafe, later + minutes(55), later + minutes(70))  # 5 minutes: not close
    not_f2 = world.person()
    world.visit(casual_f1, world.office, later, later + minutes(60))
    world.visit(not_f2, world.office, later, later + minutes(60))  # met only a casual F1
    too_late = world.person()
    world.visit(close_f1, world.office, t0 + dt.timedelta(hours=80), t0 + dt.timedelta(hours=81))
    world.visit(too_late, world.office, t0 + dt.timedelta(hours=80), t0 + dt.timedelta(hours=81))
    # The F0's own household member is an F1 (household), whom the close F1 also met: stays F1.
    spouse = world.person(household="HK-0001")
    world.visit(spouse, world.office, later + minutes(120), later + minutes(180))
    world.visit(close_f1, world.office, later + minutes(120), later + minutes(180))
    case = world.open_case()

    world.trace(case)
    f2 = world.contacts(case, degree=2)
    assert set(f2) == {f2_long.pk, f2_short.pk}
    assert {c.via.person_id for c in f2.values()} == {close_f1.pk}
    assert f2[f2_long.pk].evidence.get().overlap_minutes == 60
    assert world.contacts(case, degree=1).keys() == {close_f1.pk, casual_f1.pk, spouse.pk}

    # The bounds are data: a new policy version with one F2 per F1 keeps the closest.
    current = services.current_policy()
    current.pk = None
    current.version = 2
    current.max_f2_per_f1 = 1
    current.save()
    world.trace(case)
    assert set(world.contacts(case, degree=2)) == {f2_long.pk}
    assert TracingRun.objects.filter(case=case).first().policy.version == 2


def test_running_again_changes_nothing_and_keeps_the_follow_up(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    a, b = world.person(), world.person()
    world.visit(a, world.market, t0, t0 + minutes(30))
    world.visit(b, world.cafe, t0 + dt.timedelta(hours=3), t0 + dt.timedelta(hours=4))
    world.visit(a, world.cafe, t0 + dt.timedelta(hours=3), t0 + dt.timedelta(hours=4))
    case = world.open_case()
    world.trace(case)
    first = {c.pk: (c.person_id, c.degree, c.via_id, c.first_exposure) for c in world.contacts(case).values()}
    evidence = sorted(ContactEvidence.objects.values_list("contact_id", "source", "checkin_uuid", "overlap_minutes"))
    services.set_follow_up(world.officer, world.contacts(case)[a.pk].pk, FollowUp.REACHED)

    second = world.trace(case)

    assert {c.pk: (c.person_id, c.degree, c.via_id, c.first_exposure) for c in world.contacts(case).values()} == first
    assert sorted(ContactEvidence.objects.values_list("contact_id", "source", "checkin_uuid", "overlap_minutes")) == (
        evidence
    )
    assert (second.added, second.removed, second.f1_count, second.f2_count) == (0, 0, 1, 1)
    assert world.contacts(case)[a.pk].status == FollowUp.REACHED
    assert TracingRun.objects.filter(case=case).count() == 2


def test_corrections_remove_contacts_no_longer_justified(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    world.visit(world.f0, world.cafe, t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=1, minutes=30))
    early, late = world.person(), world.person()
    world.visit(early, world.market, t0, t0 + minutes(30))
    world.visit(late, world.cafe, t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=1, minutes=30))
    case = world.open_case()
    world.trace(case)
    assert set(world.contacts(case)) == {early.pk, late.pk}

    # Isolated earlier than thought: the cafe visit was after isolation.
    cases.update_case(world.epi, case.pk, {"isolated_at": t0 + dt.timedelta(hours=12)})
    run = world.trace(case)
    assert set(world.contacts(case)) == {early.pk}
    assert run.removed == 1

    cases.void_case(world.epi, case.pk, "Kết quả nhầm")
    world.trace(case)
    assert world.contacts(case) == {}


def test_a_removed_check_in_removes_its_contact(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    a, b = world.person(), world.person()
    world.visit(a, world.market, t0, t0 + minutes(30))
    wrong = world.visit(b, world.market, t0, t0 + minutes(30))
    case = world.open_case()
    world.trace(case)
    assert set(world.contacts(case)) == {a.pk, b.pk}
    assert services.reconcile_removed_checkins() == []

    CheckIn.objects.filter(uuid=wrong.uuid, checked_in_at=wrong.checked_in_at).delete()
    assert services.reconcile_removed_checkins() == [case.pk]
    assert set(world.contacts(case)) == {a.pk}
    assert TracingRun.objects.filter(case=case).first().trigger == "checkin_removed"

    # A deleting service can also name the check-ins it removed, for an immediate correction.
    kept = ContactEvidence.objects.get(contact__person=a)
    CheckIn.objects.filter(uuid=kept.checkin_uuid, checked_in_at=kept.checkin_at).delete()
    assert services.checkins_removed([(kept.checkin_uuid, kept.checkin_at)]) == [case.pk]
    assert world.contacts(case) == {}


def test_opening_a_case_traces_it_in_the_background_after_commit(world, django_capture_on_commit_callbacks):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    a = world.person()
    world.visit(a, world.market, t0, t0 + minutes(30))
    with django_capture_on_commit_callbacks(execute=True):
        case = world.open_case()
    assert set(world.contacts(case)) == {a.pk}
    assert TracingRun.objects.get(case=case).trigger == "case_opened"
    with django_capture_on_commit_callbacks(execute=True):
        cases.void_case(world.epi, case.pk, "Nhầm người")
    assert world.contacts(case) == {}


def test_one_statement_traces_many_cases(world):
    t0 = world.t0
    policy = services.current_policy()
    other = world.person()
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    world.visit(other, world.cafe, t0, t0 + minutes(30))
    a, b = world.person(), world.person()
    world.visit(a, world.market, t0, t0 + minutes(30))
    world.visit(b, world.cafe, t0, t0 + minutes(30))
    window = (world.window_start, t0 + dt.timedelta(days=1))
    indexes = [
        engine.Index(ref=1, person_id=world.f0.pk, phone="", start=window[0], end=window[1]),
        engine.Index(ref=2, person_id=other.pk, phone="", start=window[0], end=window[1]),
    ]
    assert engine.batch_f1(indexes, policy) == {1: {("p", a.pk)}, 2: {("p", b.pk)}}
    # A big batch (run with its own planner settings on PostgreSQL) finds the same.
    many = [engine.Index(ref=n, person_id=world.f0.pk, phone="", start=window[0], end=window[1]) for n in range(60)]
    assert engine.batch_f1(many, policy) == {n: {("p", a.pk)} for n in range(60)}


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")


@on_postgresql
def test_the_f1_query_uses_the_venue_time_index_and_prunes_day_partitions(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    policy = services.current_policy()
    index = engine.Index(ref=1, person_id=world.f0.pk, phone="+84912000000", start=t0, end=t0 + minutes(60))
    sql, params = engine.co_presence_query([index], policy, "postgresql", connection.ops.adapt_datetimefield_value)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny test table: ask for the plan a big one gets
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    partitions = checkins.partition_days()
    scanned = {name for name in partitions.values() if name in plan}
    assert scanned and len(scanned) <= 4 < len(partitions), plan
    for name in ("venue_id_checked_in_at", "person_id_checked_in_at", "phone_checked_in_at"):
        assert name in plan, plan
    assert "Seq Scan" not in plan, plan


def test_policy_versions_are_chosen_by_date(db):
    first = TracingPolicy.objects.get(version=1)
    assert services.current_policy() == first


def test_removed_check_ins_are_reconciled_on_schedule(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"tracing.reconcile_removed_checkins", "tracing.trace_pending"} <= scheduled


def test_cases_left_untraced_are_traced_by_the_sweep(world):
    t0 = world.t0
    world.visit(world.f0, world.market, t0, t0 + minutes(30))
    a = world.person()
    world.visit(a, world.market, t0, t0 + minutes(30))
    case = world.open_case()  # its on-commit job never ran (the test transaction does not commit)
    assert services.trace_pending() == [case.pk]
    assert set(world.contacts(case)) == {a.pk}
    assert services.trace_pending() == []


def test_visits_an_index_person_made_by_phone_only_count(world):
    t0 = world.t0
    world.visit(None, world.cafe, t0, t0 + minutes(30), phone=world.f0.phone)  # the F0 gave only a phone
    met = world.person()
    world.visit(met, world.cafe, t0, t0 + minutes(30))
    later = t0 + dt.timedelta(hours=3)
    world.visit(None, world.office, later, later + minutes(60), phone=met.phone)  # so did the F1, later
    second = world.person()
    world.visit(second, world.office, later, later + minutes(60))
    case = world.open_case()
    world.trace(case)
    assert set(world.contacts(case, degree=1)) == {met.pk}
    assert set(world.contacts(case, degree=2)) == {second.pk}


def test_long_stays_are_cut_by_venue_kind(world):
    t0 = world.t0
    # Six hours at a café (checked out): counted as four. Six hours at an office: counted in full.
    world.visit(world.f0, world.cafe, t0, t0 + dt.timedelta(hours=6))
    world.visit(world.f0, world.office, t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=1, hours=6))
    late_at_cafe, early_at_cafe = world.person(), world.person()
    world.visit(late_at_cafe, world.cafe, t0 + dt.timedelta(hours=5), t0 + dt.timedelta(hours=5, minutes=30))
    world.visit(early_at_cafe, world.cafe, t0 + dt.timedelta(hours=3), t0 + dt.timedelta(hours=3, minutes=30))
    late_at_office = world.person()
    start = t0 + dt.timedelta(days=1, hours=5)
    world.visit(late_at_office, world.office, start, start + minutes(30))
    case = world.open_case()
    world.trace(case)
    assert set(world.contacts(case, degree=1)) == {early_at_cafe.pk, late_at_office.pk}
