"""``phongdich bench dashboard [--scale S] [--rebuild] --json``: the leaders' dashboard, the map and the levels
at province scale, on a 60-day synthetic outbreak.

Figures:

- ``dashboard_ms_p50`` / ``dashboard_ms_p95``: the leader's province dashboard (``GET /dashboard/`` through the
  Django test client: middleware, view, queries, template), ``--requests`` times after one warm-up request;
- ``map_layer_ms``: the largest p95 of the internal map's ``levels`` and ``cases`` layers
  (``GET /map/layers/<name>.geojson`` as the province administrator), with each layer's p50 and p95;
- ``levels_all_units_ms``: the median of ``--levels-runs`` runs of ``levels.services.assess_all`` (every
  commune, district and the province);
- ``stats_rebuild_seconds``: ``situation.stats.rebuild()`` from the raw rows; and the counts generated.

The population comes from the synthetic generator (people, staff accounts and vaccination; no check-ins: 60
days of them at full scale would take longer than everything else). The outbreak is then written directly in
bulk: a renewal process (SARS-CoV-2 serial interval, R rising to 1.6 then falling to 0.7) gives the daily
cases, spread over the population at random (so over communes by population), with where each was detected,
onset dates, tests (negatives around each case), deaths and recoveries, three F1 quarantine orders per case and
facility stays; the levels are assessed and published and the daily figures rebuilt.

It runs in a database of its own: ``phongdich_bench_dashboard`` on the configured PostgreSQL server (by
default ``postgres://postgres@127.0.0.1:5432/phongdich_bench_dashboard``). A database that already holds the
data is reused; ``--rebuild`` generates everything again. Refused on a production installation.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

import numpy as np
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from phongdich import config
from phongdich.synth.benchmarks import Benchmark, own_database_url, register
from phongdich.synth.generator import SynthError

DATABASE_NAME = "phongdich_bench_dashboard"
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
CHILD_FLAG = "PHONGDICH_DASHBOARD_BENCH_CHILD"
LEADER_USER = "bench-dashboard-lanhdao"
ADMIN_USER = "bench-dashboard-tinh"
DAYS = 60
FULL_CASES = 3_000  # cases over the 60 days at scale 1
NEGATIVES_PER_CASE = 8
F1_PER_CASE = 3
FULL_FACILITIES = 40
BEDS_PER_FACILITY = 50
SEED = 7


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0, help="people per census resident (1 = full size)")
    parser.add_argument("--requests", type=int, default=40, help="timed dashboard requests (at least 30)")
    parser.add_argument("--levels-runs", type=int, default=5, help="timed runs of assess_all")
    parser.add_argument("--rebuild", action="store_true", help="generate the population and outbreak again")
    parser.add_argument("--database-url", default=None, help=f"the benchmark's own database (default {DEFAULT_URL})")


def _progress(message: str) -> None:
    print(f"[bench dashboard] {message}", file=sys.stderr, flush=True)


def database_url(given: str | None) -> str:
    return own_database_url(given, "PHONGDICH_DASHBOARD_BENCH_DATABASE_URL", DATABASE_NAME, DEFAULT_URL)


# --- The data --------------------------------------------------------------------------------------------


def _population(scale: float) -> dict[str, Any]:
    """The synthetic people, staff and doses (no venues, check-ins or simulated outbreak)."""
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.geo.services import load_bundled_province
    from phongdich.synth import services
    from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions
    from phongdich.synth.vaccination_step import VaccinationStep

    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
    province = services.resolve_province(None)
    run = services.generate(
        SynthOptions(
            seed=SEED,
            scale=scale,
            as_of=services.today_in_vietnam(),
            staff_password_hash=services.hash_staff_password(services.DEMO_STAFF_PASSWORD),
            replace=True,
            province_code=province.code,
        ),
        plan=[PeopleStep(), StaffStep(), VaccinationStep()],
    )
    return dict(run.counts)


def daily_cases(total: int, rng: np.random.Generator) -> list[int]:
    """A renewal process over DAYS days (R 1.6 for four weeks, then down to 0.7), scaled to about ``total``."""
    from phongdich.situation import rt

    weights = rt.default_serial_interval(t_max=DAYS)
    series = np.zeros(DAYS)
    series[:3] = 5
    for t in range(3, DAYS):
        r = 1.6 if t < 28 else 1.6 - 0.9 * (t - 28) / (DAYS - 29)
        pressure = float(np.dot(weights[1 : t + 1], series[t - 1 :: -1][:t]))
        series[t] = rng.poisson(r * pressure)
    scaled = np.round(series * total / max(series.sum(), 1))
    return [int(value) for value in scaled]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _clear_outbreak() -> None:
    from phongdich.cases.models import Case
    from phongdich.quarantine import models as q
    from phongdich.situation.models import CaseDays, CommuneDayStat
    from phongdich.testing.models import Sample, TestResult

    with connection.cursor() as cursor:
        for model in (
            q.FacilityAdmission,
            q.QuarantineOrder,
            q.FacilityBed,
            q.FacilityRoom,
            q.QuarantineFacility,
            Case,
            TestResult,
            Sample,
            CommuneDayStat,
            CaseDays,
        ):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _outbreak(scale: float) -> dict[str, int]:
    """The 60-day epidemic, written in bulk in the shapes the services give (see the module docstring)."""
    from phongdich.cases.models import Case, CaseNumberCounter
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.people.models import Person
    from phongdich.testing.models import Sample, TestResult

    rng = np.random.default_rng(SEED)
    today = timezone.localdate()
    first = today - dt.timedelta(days=DAYS - 1)
    per_day = daily_cases(max(60, round(FULL_CASES * scale)), rng)
    cases_total = sum(per_day)
    province = AdministrativeUnit.objects.provinces().get()
    low = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    high = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    if low is None or high is None:
        raise SynthError("No people: the population was not generated.")
    wanted = cases_total * (1 + F1_PER_CASE + 2)
    drawn = rng.choice(np.arange(low, high + 1), size=min(wanted, high - low + 1), replace=False)
    home: dict[int, int] = {}
    for start in range(0, len(drawn), 20_000):
        chunk = [int(value) for value in drawn[start : start + 20_000]]
        home.update(Person.objects.filter(pk__in=chunk).values_list("pk", "home_commune_id"))
    people = [int(value) for value in drawn if int(value) in home]
    sick, contacts = people[:cases_total], people[cases_total:]

    cases: list[Case] = []
    samples: list[Sample] = []
    results: list[tuple[int, str, dt.datetime]] = []  # (sample index, result, reported)
    kinds = ["community", "in_quarantine", "in_lockdown_area", "imported_other_province", "imported_abroad"]
    kind_p = [0.55, 0.3, 0.09, 0.04, 0.02]
    clinical = ["asymptomatic", "mild", "moderate", "severe", "critical"]
    clinical_p = [0.4, 0.4, 0.13, 0.05, 0.02]
    sequence = 0
    for offset, count in enumerate(per_day):
        day = first + dt.timedelta(days=offset)
        for _ in range(count):
            person = sick[sequence]
            sequence += 1
            commune = home[person]
            confirmed = _local(day, int(rng.integers(8, 20)), int(rng.integers(0, 60)))
            sampled = day - dt.timedelta(days=int(rng.integers(0, 2)))
            outcome_date: dt.date | None
            if rng.random() < 0.012:
                outcome, outcome_date = "died", day + dt.timedelta(days=int(rng.integers(2, 15)))
            else:
                outcome, outcome_date = "recovered", day + dt.timedelta(days=int(rng.integers(10, 15)))
            if outcome_date > today:
                outcome, outcome_date = "none", None  # not yet
            closed = outcome != "none"
            cases.append(
                Case(
                    number=f"QNI-{sequence:06d}",
                    province=province,
                    sequence=sequence,
                    person_id=person,
                    status="closed" if closed else "active",
                    confirmed_at=confirmed,
                    sampled_on=sampled,
                    onset_date=sampled - dt.timedelta(days=int(rng.integers(0, 5))) if rng.random() < 0.7 else None,
                    detected_in=str(rng.choice(kinds, p=kind_p)),
                    clinical_status=str(rng.choice(clinical, p=clinical_p)),
                    outcome=outcome,
                    outcome_date=outcome_date,
                    commune_id=commune,
                    closed_at=_local(outcome_date, 17) if outcome_date else None,
                )
            )
            taken = _local(sampled, 9)
            samples.append(Sample(person_id=person, test_type="rt_pcr", taken_at=taken, commune_id=commune))
            results.append((len(samples) - 1, "positive", taken + dt.timedelta(hours=6)))
            for _ in range(NEGATIVES_PER_CASE):
                other = contacts[int(rng.integers(0, len(contacts)))]
                when = _local(min(today, day + dt.timedelta(days=int(rng.integers(-2, 4)))), 10)
                samples.append(Sample(person_id=other, test_type="rt_pcr", taken_at=when, commune_id=home[other]))
                results.append((len(samples) - 1, "negative", when + dt.timedelta(hours=8)))
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=2000)
        CaseNumberCounter.objects.update_or_create(province=province, defaults={"last_number": sequence})
        made = Sample.objects.bulk_create(samples, batch_size=5000)
        TestResult.objects.bulk_create(
            [TestResult(sample_id=made[index].pk, result=value, reported_at=at) for index, value, at in results],
            batch_size=5000,
        )
        orders = _orders(cases, contacts, home, today, rng)
        admissions = _facilities(orders, scale, today, rng)
    return {
        "cases": len(cases),
        "deaths": sum(1 for case in cases if case.outcome == "died"),
        "tests": len(results),
        "f1_orders": len(orders),
        "facility_admissions": admissions,
    }


def _orders(cases: list[Any], contacts: list[int], home: dict[int, int], today: dt.date, rng: Any) -> list[Any]:
    from phongdich.quarantine.models import QuarantineOrder

    orders: list[QuarantineOrder] = []
    pool = iter(contacts)
    for case in cases:
        start = timezone.localtime(case.confirmed_at).date()
        for _ in range(F1_PER_CASE):
            person = next(pool, None)
            if person is None:
                break
            end = start + dt.timedelta(days=7)
            orders.append(
                QuarantineOrder(
                    number=f"BENCH-{len(orders) + 1:07d}",
                    person_id=person,
                    commune_id=home[person],
                    reason="f1_of_case",
                    case_id=case.pk,
                    protection="protected" if rng.random() < 0.7 else "not_protected",
                    kind="facility" if rng.random() < 0.3 else "home",
                    start=start,
                    planned_end=end,
                    status="active" if end >= today else "released",
                    ended_on=None if end >= today else end,
                )
            )
    made: list[Any] = QuarantineOrder.objects.bulk_create(orders, batch_size=5000)
    return made


def _facilities(orders: list[Any], scale: float, today: dt.date, rng: Any) -> int:
    """Facilities with beds in the districts' first communes; active facility orders fill beds."""
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.quarantine import models as q

    communes = list(AdministrativeUnit.objects.communes().order_by("code").values_list("pk", flat=True))
    count = max(2, round(FULL_FACILITIES * scale))
    facilities = q.QuarantineFacility.objects.bulk_create(
        [
            q.QuarantineFacility(name=f"Khu cách ly {n + 1}", commune_id=communes[(n * 7) % len(communes)])
            for n in range(count)
        ]
    )
    rooms = q.FacilityRoom.objects.bulk_create(
        [q.FacilityRoom(facility=f, name=f"P{r + 1}") for f in facilities for r in range(BEDS_PER_FACILITY // 10)]
    )
    beds = q.FacilityBed.objects.bulk_create(
        [q.FacilityBed(facility_id=room.facility_id, room=room, label=f"G{b + 1}") for room in rooms for b in range(10)]
    )
    waiting = [o for o in orders if o.status == "active" and o.kind == "facility"]
    stays = [
        q.FacilityAdmission(
            person_id=order.person_id,
            order_id=order.pk,
            facility_id=bed.facility_id,
            bed=bed,
            admitted_at=_local(order.start, 15),
        )
        for order, bed in zip(waiting, beds, strict=False)
    ]
    q.FacilityAdmission.objects.bulk_create(stays, batch_size=5000)
    return len(stays)


def _levels(scale: float) -> int:
    from phongdich.levels import services as levels
    from phongdich.levels.models import Assessment, AssessmentStatus

    now = timezone.now()
    results = levels.assess_all(None, now, population_scale=scale)
    Assessment.objects.filter(pk__in=[r.pk for r in results]).update(
        status=AssessmentStatus.PUBLISHED, proposed_at=now, approved_at=now, published_at=now, effective_at=now
    )
    return len(results)


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _accounts() -> tuple[Any, Any]:
    from phongdich.accounts.models import User
    from phongdich.accounts.roles import Role
    from phongdich.accounts.services import create_account
    from phongdich.geo.models import AdministrativeUnit

    province = AdministrativeUnit.objects.provinces().get()
    leader = User.objects.filter(username=LEADER_USER).first() or create_account(
        LEADER_USER, role=Role.LEADER, units=[province], full_name="Đo hiệu năng (lãnh đạo)"
    )
    admin = User.objects.filter(username=ADMIN_USER).first() or create_account(
        ADMIN_USER, role=Role.PROVINCE_ADMIN, units=[province], full_name="Đo hiệu năng (tỉnh)"
    )
    return leader, admin


# --- The measurements ------------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return round(ordered[index], 2)


def _timed_gets(client: Client, path: str, times: int) -> list[float]:
    response = client.get(path)  # warm-up
    if response.status_code != 200:
        raise SynthError(f"GET {path} answered {response.status_code}.")
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SynthError(f"GET {path} answered {response.status_code}.")
    return spent


def measure(options: dict[str, Any]) -> dict[str, Any]:
    from phongdich.cases.models import Case
    from phongdich.levels import services as levels
    from phongdich.people.models import Person
    from phongdich.quarantine.models import FacilityAdmission, QuarantineOrder
    from phongdich.situation import stats
    from phongdich.situation.models import CommuneDayStat
    from phongdich.testing.models import TestResult
    from phongdich.vaccination.models import Vaccination

    scale = float(options.get("scale", 1.0))
    generated: dict[str, Any] = {}
    reused = Person.objects.exists() and Case.objects.exists() and not options.get("rebuild")
    if not reused:
        _progress(f"generating the population at scale {scale} (people, staff, vaccination) …")
        started = time.perf_counter()
        with transaction.atomic():
            _clear_outbreak()
        generated.update(_population(scale))
        generated["population_seconds"] = round(time.perf_counter() - started, 1)
        _progress("writing the 60-day outbreak …")
        started = time.perf_counter()
        generated.update(_outbreak(scale))
        generated["outbreak_seconds"] = round(time.perf_counter() - started, 1)
        _progress("assessing and publishing the levels …")
        generated["levels_published"] = _levels(scale)
    _analyze()
    _progress("rebuilding the daily figures …")
    started = time.perf_counter()
    rows = stats.rebuild()
    rebuild_seconds = time.perf_counter() - started
    _analyze()

    leader, admin = _accounts()
    requests = max(30, int(options.get("requests", 40)))
    _progress(f"timing the leader's dashboard ({requests} requests) …")
    leader_client = Client()
    leader_client.force_login(leader)
    dashboard = _timed_gets(leader_client, "/dashboard/", requests)
    district = _timed_gets(leader_client, "/dashboard/?unit=193", max(10, requests // 3))

    _progress("timing the map layers …")
    admin_client = Client()
    admin_client.force_login(admin)
    layers: dict[str, list[float]] = {}
    for name in ("levels", "cases"):
        layers[name] = _timed_gets(admin_client, f"/map/layers/{name}.geojson", 20)

    _progress("timing assess_all …")
    runs = []
    for _ in range(max(5, int(options.get("levels_runs", 5)))):
        started = time.perf_counter()
        levels.assess_all(None, population_scale=scale)
        runs.append((time.perf_counter() - started) * 1000)

    figures: dict[str, Any] = {
        "benchmark": "dashboard",
        "database": connection.vendor,
        "scale": scale,
        "reused_data": reused,
        "dashboard_requests": requests,
        "dashboard_ms_p50": _percentile(dashboard, 0.5),
        "dashboard_ms_p95": _percentile(dashboard, 0.95),
        "dashboard_district_ms_p95": _percentile(district, 0.95),
        "map_layer_ms": max(_percentile(spent, 0.95) for spent in layers.values()),
        "levels_all_units_ms": round(statistics.median(runs), 1),
        "stats_rebuild_seconds": round(rebuild_seconds, 3),
        "stat_rows": rows,
        "people": Person.objects.count(),
        "doses": Vaccination.objects.count(),
        "cases": Case.objects.count(),
        "tests": TestResult.objects.count(),
        "quarantine_orders": QuarantineOrder.objects.count(),
        "facility_admissions": FacilityAdmission.objects.count(),
        "commune_day_rows": CommuneDayStat.objects.count(),
    }
    for name, spent in layers.items():
        figures[f"map_{name}_ms_p50"] = _percentile(spent, 0.5)
        figures[f"map_{name}_ms_p95"] = _percentile(spent, 0.95)
    figures.update({f"generated_{key}": value for key, value in generated.items() if isinstance(value, int | float)})
    return figures


def _child_argv(options: dict[str, Any]) -> list[str]:
    argv = [
        "dashboard",
        "--scale",
        str(options.get("scale", 1.0)),
        "--requests",
        str(options.get("requests", 40)),
        "--levels-runs",
        str(options.get("levels_runs", 5)),
    ]
    return [*argv, "--rebuild"] if options.get("rebuild") else argv


def run_dashboard(options: dict[str, Any]) -> dict[str, Any]:
    """Measure in the benchmark's own database (this process when it is already there, else a child process)."""
    from phongdich.checkins.benchmarks import create_database

    if config.is_production():
        raise SynthError("Benchmarks are not run against a production installation.")
    if os.environ.get(CHILD_FLAG) == "1":
        call_command("migrate", interactive=False, verbosity=0)
        return measure(options)
    url = database_url(options.get("database_url"))
    if not url.startswith(("postgres://", "postgresql://")):
        raise SynthError("The dashboard benchmark runs on PostgreSQL: give a postgres:// --database-url.")
    create_database(url)
    env = {**os.environ, "DATABASE_URL": url, CHILD_FLAG: "1"}
    command = [sys.executable, "-c", "from phongdich.cli import main; main()", "bench", *_child_argv(options), "--json"]
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SynthError("The benchmark failed in its own database: see the messages above.")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


register(
    Benchmark(
        name="dashboard",
        help="the leader's dashboard, the map layers and the levels of every unit on a 60-day outbreak, in a "
        "database of its own",
        add_arguments=_arguments,
        run=run_dashboard,
    )
)
