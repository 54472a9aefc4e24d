"""``phongdich bench quarantine``: bulk order papers, daily health checks and the facility board at province scale.

Figures (``--scale 1``, the default):

- ``bulk_orders_per_second``: a commune's 1,000 quarantine orders printed as one PDF through the officers' bulk
  path (``services.orders_pdf`` with the commune's list: the query, the audit of the list read, the sheets and
  the pages), orders per second of the whole call;
- ``daily_checks_per_second``: daily health checks recorded one by one through ``services.record_health_check``
  by the commune's officer (validation, the person's lock, the check, its audit, the missed-check bookkeeping;
  one in fifty has a low SpO₂ and raises its alert);
- ``facility_board_ms``: the median time of ``services.facility_board`` for the province administrator over 200
  facilities holding 20,000 people (with as many earlier, discharged stays), after a warm-up call.

The people, orders, facilities, beds and stays are written with bulk inserts in the shape the services give
them (numbers, dates from the policy's plan, one open stay per bed), so the fill takes seconds; the measured
calls are the real services. ``--scale`` shrinks every size (a test runs it at 0.01 in its own database).

It runs in a database of its own and never in the configured one: ``phongdich_bench_quarantine`` on the
configured PostgreSQL server, or, when the configuration is SQLite, ``bench_quarantine.sqlite3`` in the data
folder (``--database-url`` chooses another). Each run replaces the quarantine data of that database; the people
are kept. Refused on a production installation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from phongdich import config
from phongdich.synth.benchmarks import Benchmark, own_database_url, register
from phongdich.synth.generator import SynthError

DATABASE_NAME = "phongdich_bench_quarantine"
SQLITE_FILE = "bench_quarantine.sqlite3"
CHILD_FLAG = "PHONGDICH_QUARANTINE_BENCH_CHILD"
BENCH_HOUSEHOLD = "BENCH-QUARANTINE"
ADMIN_USER = "bench-quarantine-tinh"
OFFICER_USER = "bench-quarantine-xa"
BENCH_COMMUNE = "06649"  # Phường Hà Khánh, when loaded; otherwise the first commune

FULL_ORDERS = 1_000
FULL_FACILITIES = 200
FULL_QUARANTINED = 20_000
FULL_CHECKS = 1_000
BEDS_PER_ROOM = 10
SPARE_BEDS = 1.2  # beds per person quarantined in facilities
DANGER_EVERY = 50  # one check in fifty has a low SpO₂


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (1,000 orders, …)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the facility board")
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"the benchmark's own database (default: {DATABASE_NAME} on the configured PostgreSQL server, "
        f"or {SQLITE_FILE} in the data folder when the configuration is SQLite)",
    )


def _progress(message: str) -> None:
    print(f"[bench quarantine] {message}", file=sys.stderr, flush=True)


def database_url(given: str | None) -> str:
    sqlite = f"sqlite:///{config.data_home() / SQLITE_FILE}"
    return own_database_url(given, "PHONGDICH_QUARANTINE_BENCH_DATABASE_URL", DATABASE_NAME, sqlite)


# --- The fill -------------------------------------------------------------------------------------------------


def sizes(scale: float) -> dict[str, int]:
    scale = max(scale, 0.0001)
    return {
        "orders": max(1, round(FULL_ORDERS * scale)),
        "facilities": max(2, round(FULL_FACILITIES * scale)),
        "quarantined": max(2, round(FULL_QUARANTINED * scale)),
        "checks": max(1, round(FULL_CHECKS * scale)),
    }


def _clear_quarantine_tables() -> None:
    """Every quarantine row but the policy (this database is the benchmark's): in dependency order, in SQL."""
    from phongdich.quarantine import models as q

    ordered = (
        q.QuarantineAlert,
        q.HealthCheck,
        q.FacilityAdmission,
        q.ScheduledTest,
        q.ReleaseCertificate,
        q.OrderDelivery,
        q.OrderEvent,
        q.QuarantineOrder,
        q.FacilityBed,
        q.FacilityRoom,
        q.FacilityStaff,
        q.QuarantineFacility,
    )
    with connection.cursor() as cursor:
        for model in ordered:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _accounts(province: Any, commune: Any) -> tuple[Any, Any]:
    from phongdich.accounts.models import User
    from phongdich.accounts.roles import Role
    from phongdich.accounts.services import create_account

    admin = User.objects.filter(username=ADMIN_USER).first() or create_account(
        ADMIN_USER, role=Role.PROVINCE_ADMIN, units=[province], full_name="Đo hiệu năng (tỉnh)"
    )
    officer = User.objects.filter(username=OFFICER_USER).first() or create_account(
        OFFICER_USER, role=Role.COMMUNE_OFFICER, units=[commune], full_name="Đo hiệu năng (xã)"
    )
    return admin, officer


def _people(commune: Any, communes: list[Any], wanted_local: int, wanted_elsewhere: int) -> tuple[list[int], list[int]]:
    """The benchmark's people (kept between runs): ``wanted_local`` living in the bench commune, the rest
    spread over the province. Names and birth dates are plausible; no CCCD or phone (nothing to collide)."""
    from phongdich.core.text import search_key
    from phongdich.people.models import Household, Person

    household, _created = Household.objects.get_or_create(
        code=BENCH_HOUSEHOLD, defaults={"commune": commune, "address": "Dữ liệu đo hiệu năng"}
    )
    members = Person.objects.filter(household=household)
    local = list(members.filter(home_commune=commune).order_by("pk").values_list("pk", flat=True)[:wanted_local])
    elsewhere = list(
        members.exclude(home_commune=commune).order_by("pk").values_list("pk", flat=True)[:wanted_elsewhere]
    )
    rng = random.Random(f"bench-quarantine:{len(local)}:{len(elsewhere)}")
    family = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
    middle = ("Văn", "Thị", "Minh", "Đức", "Ngọc", "Thu", "Quang", "Thanh")
    given = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Tú")

    def person(home: Any) -> Any:
        name = f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}"
        return Person(
            full_name=name,
            name_key=search_key(name),
            sex=rng.choice(("male", "female")),
            date_of_birth=dt.date(rng.randint(1950, 2010), rng.randint(1, 12), rng.randint(1, 28)),
            home_commune=home,
            address=f"Số {rng.randint(1, 300)}, tổ {rng.randint(1, 40)}, {home.name}",
            household=household,
        )

    new_local = [person(commune) for _ in range(wanted_local - len(local))]
    others = [unit for unit in communes if unit.pk != commune.pk] or [commune]
    new_elsewhere = [person(rng.choice(others)) for _ in range(wanted_elsewhere - len(elsewhere))]
    for batch in (new_local, new_elsewhere):
        if batch:
            Person.objects.bulk_create(batch, batch_size=2000)
    local += [p.pk for p in new_local]
    elsewhere += [p.pk for p in new_elsewhere]
    return local, elsewhere


def _fill(commune: Any, communes: list[Any], admin: Any, size: dict[str, int]) -> dict[str, Any]:
    """Orders at home for the commune's people, facilities with beds, and facility orders with open stays."""
    from phongdich.people.models import Person
    from phongdich.quarantine import services
    from phongdich.quarantine.models import (
        FacilityAdmission,
        FacilityBed,
        FacilityRoom,
        OrderKind,
        OrderReason,
        OrderStatus,
        Protection,
        QuarantineFacility,
        QuarantineOrder,
        ScheduledTest,
    )

    today = timezone.localdate()
    now = timezone.now()
    local, elsewhere = _people(commune, communes, size["orders"], size["quarantined"])
    home_plan = services.plan_for(OrderReason.F1_OF_CASE, Protection.PROTECTED, today - dt.timedelta(days=2))
    facility_plan = services.plan_for(OrderReason.F1_OF_CASE, Protection.NOT_PROTECTED, today - dt.timedelta(days=3))
    year_numbers: dict[str, int] = {}
    homes = dict(Person.objects.filter(pk__in=local + elsewhere).values_list("pk", "home_commune_id"))
    unit_codes = {unit.pk: unit.code for unit in communes}

    def order(person_id: int, plan: Any, kind: str, facility: Any = None) -> QuarantineOrder:
        commune_id = homes[person_id]
        prefix = f"{unit_codes[commune_id]}/{plan.start.year}/"
        year_numbers[prefix] = year_numbers.get(prefix, 0) + 1
        return QuarantineOrder(
            number=f"{prefix}{year_numbers[prefix]:05d}",
            person_id=person_id,
            commune_id=commune_id,
            reason=OrderReason.F1_OF_CASE,
            protection=Protection.PROTECTED if facility is None else Protection.NOT_PROTECTED,
            kind=kind,
            facility=facility,
            place=facility.name if facility is not None else "Tại nơi cư trú",
            start=plan.start,
            planned_end=plan.planned_end,
            self_monitoring_end=plan.self_monitoring_end,
            status=OrderStatus.ACTIVE,
            policy=plan.policy,
            rule=plan.rule,
            issued_by=admin,
            issued_at=now - dt.timedelta(days=2),
        )

    home_orders = QuarantineOrder.objects.bulk_create(
        [order(pk, home_plan, OrderKind.HOME) for pk in local], batch_size=2000
    )
    ScheduledTest.objects.bulk_create(
        [
            ScheduledTest(order=o, day_number=day_number, due_on=due_on, test_type=home_plan.test_type)
            for o in home_orders
            for day_number, due_on in home_plan.test_days
        ],
        batch_size=2000,
    )
    # Facilities spread over the province's communes, with rooms of ten beds.
    rng = random.Random("bench-quarantine-facilities")
    beds_each = max(BEDS_PER_ROOM, round(size["quarantined"] * SPARE_BEDS / size["facilities"] / BEDS_PER_ROOM) * 10)
    facilities = QuarantineFacility.objects.bulk_create(
        [
            QuarantineFacility(
                name=f"Khu cách ly tập trung số {n + 1}",
                commune=rng.choice(communes),
                address=f"Khu {n + 1}",
            )
            for n in range(size["facilities"])
        ]
    )
    rooms = FacilityRoom.objects.bulk_create(
        [FacilityRoom(facility=f, name=f"P{r + 1:03d}") for f in facilities for r in range(beds_each // BEDS_PER_ROOM)],
        batch_size=2000,
    )
    beds = FacilityBed.objects.bulk_create(
        [FacilityBed(facility_id=room.facility_id, room=room, label=str(b + 1)) for room in rooms for b in range(10)],
        batch_size=2000,
    )
    beds_by_facility: dict[int, list[FacilityBed]] = {}
    for bed in beds:
        beds_by_facility.setdefault(bed.facility_id, []).append(bed)
    by_id = {f.pk: f for f in facilities}
    # People in facilities: round-robin over facilities, one open stay per bed, and an earlier stay (discharged)
    # in the same bed, as a facility has after a few weeks.
    placements = [(pk, facilities[i % len(facilities)].pk) for i, pk in enumerate(elsewhere)]
    facility_orders = QuarantineOrder.objects.bulk_create(
        [order(pk, facility_plan, OrderKind.FACILITY, by_id[facility_id]) for pk, facility_id in placements],
        batch_size=2000,
    )
    taken: dict[int, int] = {}
    stays: list[FacilityAdmission] = []
    admitted = now - dt.timedelta(days=3)
    for quarantine_order, (person_id, facility_id) in zip(facility_orders, placements, strict=True):
        bed = beds_by_facility[facility_id][taken.get(facility_id, 0)]
        taken[facility_id] = taken.get(facility_id, 0) + 1
        stays.append(
            FacilityAdmission(
                person_id=person_id,
                order=quarantine_order,
                facility_id=facility_id,
                bed=bed,
                admitted_at=admitted,
                admitted_by=admin,
            )
        )
    history = [
        FacilityAdmission(
            person_id=stay.person_id,
            order=stay.order,
            facility_id=stay.facility_id,
            bed=stay.bed,
            admitted_at=admitted - dt.timedelta(days=14),
            discharged_at=admitted - dt.timedelta(hours=2),
            discharge_reason="released",
        )
        for stay in stays
    ]
    FacilityAdmission.objects.bulk_create(history + stays, batch_size=2000)
    return {"local": local, "beds": len(beds), "home_orders": len(home_orders), "facility_people": len(stays)}


def _analyze() -> None:
    """On PostgreSQL, fresh planner statistics for the tables just filled (autovacuum may not have come by)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- The measurements -----------------------------------------------------------------------------------------


def measure(options: dict[str, Any]) -> dict[str, Any]:
    """Fill (replacing earlier quarantine data) and time the three paths in the current database."""
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.geo.services import load_bundled_province
    from phongdich.quarantine import services

    if config.is_production():
        raise SynthError("Benchmarks are not run against a production installation.")
    size = sizes(float(options.get("scale", 1.0)))
    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
    communes = list(AdministrativeUnit.objects.communes().order_by("code"))
    commune = next((unit for unit in communes if unit.code == BENCH_COMMUNE), communes[0])
    province = AdministrativeUnit.objects.provinces().first()
    _progress(
        f"filling: {size['orders']} orders at home, {size['quarantined']} people in {size['facilities']} facilities …"
    )
    started = time.perf_counter()
    with transaction.atomic():
        _clear_quarantine_tables()
        admin, officer = _accounts(province, commune)
        filled = _fill(commune, communes, admin, size)
    _analyze()
    fill_seconds = time.perf_counter() - started

    _progress("timing the facility board …")
    day = timezone.localdate()
    board = services.facility_board(admin, day)  # warm-up
    times = []
    for _ in range(max(1, int(options.get("repeat", 5)))):
        started = time.perf_counter()
        board = services.facility_board(admin, day)
        times.append((time.perf_counter() - started) * 1000)

    _progress("timing the commune's bulk order PDF …")
    started = time.perf_counter()
    pdf = services.orders_pdf(officer, criteria=services.OrderFilter(commune=commune.code))
    pdf_seconds = time.perf_counter() - started

    _progress("timing daily health checks …")
    people = filled["local"][: size["checks"]]
    taken_at = timezone.now() - dt.timedelta(minutes=1)
    started = time.perf_counter()
    for n, person_id in enumerate(people):
        services.record_health_check(
            officer,
            services.HealthCheckInput(
                person=person_id,
                taken_at=taken_at,
                temperature="36.8",
                spo2=94 if n % DANGER_EVERY == 0 else 98,
            ),
        )
    checks_seconds = time.perf_counter() - started

    return {
        "benchmark": "quarantine",
        "database": connection.vendor,
        "scale": float(options.get("scale", 1.0)),
        "bulk_orders": filled["home_orders"],
        "bulk_orders_seconds": round(pdf_seconds, 3),
        "bulk_orders_per_second": round(filled["home_orders"] / pdf_seconds, 1) if pdf_seconds > 0 else None,
        "bulk_orders_pdf_bytes": len(pdf),
        "daily_checks": len(people),
        "daily_checks_seconds": round(checks_seconds, 3),
        "daily_checks_per_second": round(len(people) / checks_seconds, 1) if checks_seconds > 0 else None,
        "facility_board_ms": round(statistics.median(times), 2),
        "facility_board_min_ms": round(min(times), 2),
        "facilities": len(board),
        "facility_beds": filled["beds"],
        "people_in_facilities": sum(row.occupied for row in board),
        "fill_seconds": round(fill_seconds, 3),
    }


def _child_argv(options: dict[str, Any]) -> list[str]:
    return ["quarantine", "--scale", str(options.get("scale", 1.0)), "--repeat", str(options.get("repeat", 5))]


def run_quarantine(options: dict[str, Any]) -> dict[str, Any]:
    """Measure in the benchmark's own database (this process when it is already there, else a child process)."""
    from phongdich.checkins.benchmarks import create_database

    if config.is_production():
        raise SynthError("Benchmarks are not run against a production installation.")
    if os.environ.get(CHILD_FLAG) == "1":
        call_command("migrate", interactive=False, verbosity=0)
        return measure(options)
    url = database_url(options.get("database_url"))
    if url.startswith(("postgres://", "postgresql://")):
        create_database(url)
    elif not url.startswith("sqlite:///"):
        raise SynthError("The quarantine benchmark runs on PostgreSQL or SQLite: give a postgres:// or sqlite:/// URL.")
    env = {**os.environ, "DATABASE_URL": url, CHILD_FLAG: "1"}
    command = [sys.executable, "-c", "from phongdich.cli import main; main()", "bench", *_child_argv(options), "--json"]
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SynthError("The benchmark failed in its own database: see the messages above.")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


register(
    Benchmark(
        name="quarantine",
        help="bulk order PDFs for a commune, daily health checks, and the facility board (200 facilities, 20,000 "
        "people), in a database of its own",
        add_arguments=_arguments,
        run=run_quarantine,
    )
)
