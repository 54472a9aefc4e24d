"""``phongdich bench tracing``: contact tracing at province scale, on PostgreSQL, against DuckDB as a reference.

In its own PostgreSQL database (``phongdich_bench_tracing`` unless told otherwise, so it never disturbs
``bench checkins``), filled like that benchmark's (COPY, reusing its fill) to at least ``--rows`` (14
million) check-ins, with ``--cases`` (1,000) open F0 cases whose people have check-ins in their window:

- ``single_case_f1_ms``: median over the cases of the engine's F1 list of one case (every source, deduplicated);
- ``single_case_f1_f2_ms``: median of the F1 and the bounded F2 lists of one case;
- ``batch_1000_cases_s``: the F1 venue co-presence of all the cases in one set-based statement;
- ``positive_to_contacts_ready_s``: a positive RT-PCR result POSTed to ``/api/v1/tests`` (gunicorn on
  loopback) until the new case's contact list is stored (the case opens, tracing runs, lists are written);
- ``duckdb_batch_1000_cases_s``: the same statement run by DuckDB over the same rows exported to Parquet
  (psycopg COPY to CSV, DuckDB to Parquet; the export is timed apart as ``parquet_export_s``).

Batch figures are the better of two runs (warm caches for both engines). The database and the Parquet
file are kept between runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from argparse import ArgumentParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import connection, transaction
from django.utils import timezone

from phongdich.checkins import benchmarks as checkin_bench
from phongdich.synth.benchmarks import Benchmark, bench_token, register
from phongdich.synth.generator import SynthError

DEFAULT_DATABASE = "phongdich_bench_tracing"
CHILD_FLAG = "PHONGDICH_BENCH_TRACING_CHILD"
CASE_PREFIX = "BENCH-"
LAB_USER = "bench-lab"
PARQUET_COLUMNS = (
    "uuid",
    "venue_id",
    "person_id",
    "phone",
    "name",
    "checked_in_at",
    "checked_out_at",
    "checkout_inferred",
)


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"the bench's own PostgreSQL database (default: $PHONGDICH_BENCH_TRACING_DATABASE_URL, {DEFAULT_DATABASE} "
        "on the configured or local server)",
    )
    parser.add_argument("--rows", type=int, default=14_000_000, help="check-ins the table holds at least")
    parser.add_argument("--cases", type=int, default=1000, help="F0 cases traced")
    parser.add_argument("--people-scale", type=float, default=0.2, help="synthetic population of the bench database")
    parser.add_argument("--f2-cases", type=int, default=1000, help="cases whose F1+F2 are timed one by one")
    parser.add_argument("--parquet-dir", default=None, help="where the Parquet copy is kept (default: a temp dir)")


def bench_database_url(given: str | None) -> str:
    if given:
        return given
    if env := os.environ.get("PHONGDICH_BENCH_TRACING_DATABASE_URL"):
        return env
    configured = os.environ.get("DATABASE_URL", "")
    base = (
        configured if configured.startswith(("postgres://", "postgresql://")) else checkin_bench.DEFAULT_BENCH_DATABASE
    )
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{DEFAULT_DATABASE}", "", ""))


def _progress(message: str) -> None:
    print(f"[bench tracing] {message}", file=sys.stderr, flush=True)


# --- Data -----------------------------------------------------------------------------------------


def _bench_cases(count: int) -> list[Any]:
    """``count`` active cases of people with check-ins, each sampled the day after one of their visits."""
    from phongdich.cases.models import Case, CaseStatus
    from phongdich.cases.services import province_of
    from phongdich.checkins.models import CheckIn
    from phongdich.people.models import Person

    existing = list(
        Case.objects.filter(number__startswith=CASE_PREFIX, status=CaseStatus.ACTIVE).select_related("person")
    )
    if len(existing) >= count:
        return existing[:count]
    Case.objects.filter(number__startswith=CASE_PREFIX).delete()
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        # A sample of visits in the last 16 days: their people become the F0s (a case per person).
        cursor.execute(
            f"SELECT person_id, checked_in_at FROM {table} TABLESAMPLE SYSTEM (1) REPEATABLE (42) "  # noqa: S608
            "WHERE person_id IS NOT NULL AND checked_in_at > %s AND checked_in_at < %s",
            [now - dt.timedelta(days=16), now - dt.timedelta(days=2)],
        )
        visits = cursor.fetchall()
    busy = set(Case.objects.filter(status=CaseStatus.ACTIVE).values_list("person_id", flat=True))
    rng = random.Random(42)
    rng.shuffle(visits)
    chosen: dict[int, dt.datetime] = {}
    for person_id, at in visits:
        if person_id not in busy and person_id not in chosen:
            chosen[person_id] = at
        if len(chosen) == count:
            break
    if len(chosen) < count:
        raise SynthError(f"Only {len(chosen)} people with check-ins were found for {count} cases.")
    homes = dict(Person.objects.filter(pk__in=list(chosen)).values_list("pk", "home_commune_id"))
    some_home = Person.objects.select_related("home_commune").get(pk=next(iter(chosen))).home_commune
    province = province_of(some_home)
    cases = []
    for sequence, (person_id, at) in enumerate(chosen.items(), start=900_001):
        sampled_on = timezone.localdate(at) + dt.timedelta(days=1)
        confirmed = timezone.make_aware(dt.datetime.combine(sampled_on + dt.timedelta(days=1), dt.time(9, 0)))
        cases.append(
            Case(
                number=f"{CASE_PREFIX}{sequence}",
                province=province,
                sequence=sequence,
                person_id=person_id,
                confirmed_at=min(confirmed, now),
                sampled_on=sampled_on,
                commune_id=homes[person_id],
            )
        )
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=1000)
    return list(Case.objects.filter(number__startswith=CASE_PREFIX).select_related("person")[:count])


def _lab_token() -> str:
    from phongdich.accounts.models import User
    from phongdich.accounts.roles import Role
    from phongdich.accounts.services import create_account
    from phongdich.synth import services as synth

    province = synth.resolve_province()
    user = User.objects.filter(username=LAB_USER).first()
    if user is None:
        user = create_account(LAB_USER, role=Role.LAB_TECHNICIAN, units=[province], full_name="Phòng xét nghiệm đo")
    secret = bench_token(user)
    return secret


# --- Measurements ---------------------------------------------------------------------------------


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def time_single_cases(cases: list[Any], f2_cases: int) -> dict[str, Any]:
    from phongdich.tracing import engine, services

    policy = services.current_policy()
    indexes = [services.index_for(case, policy) for case in cases]
    for index in indexes[:20]:  # warm the caches
        engine.trace(index, policy, second_degree=False)
    f1_times, f1_sizes = [], []
    for index in indexes:
        began = time.perf_counter()
        result = engine.trace(index, policy, second_degree=False)
        f1_times.append(time.perf_counter() - began)
        f1_sizes.append(len(result.f1))
    both_times, f2_sizes = [], []
    for index in indexes[:f2_cases]:
        began = time.perf_counter()
        result = engine.trace(index, policy)
        both_times.append(time.perf_counter() - began)
        f2_sizes.append(len(result.f2))
    return {
        "single_case_f1_ms": _median_ms(f1_times),
        "single_case_f1_p95_ms": round(sorted(f1_times)[int(0.95 * len(f1_times))] * 1000, 3),
        "single_case_f1_f2_ms": _median_ms(both_times),
        "single_case_f1_f2_p95_ms": round(sorted(both_times)[int(0.95 * len(both_times))] * 1000, 3),
        "f1_per_case_p50": statistics.median(f1_sizes),
        "f1_per_case_max": max(f1_sizes),
        "f2_per_case_p50": statistics.median(f2_sizes),
        "f2_per_case_max": max(f2_sizes),
        "f2_cases_timed": len(both_times),
    }


def time_batch(cases: list[Any]) -> tuple[float, int]:
    """Seconds (better of two) for the F1 venue co-presence of every case in one statement; pairs found."""
    from phongdich.tracing import engine, services

    policy = services.current_policy()
    indexes = [services.index_for(case, policy) for case in cases]
    best, found = float("inf"), 0
    for _ in range(2):
        began = time.perf_counter()
        result = engine.batch_f1(indexes, policy)
        best = min(best, time.perf_counter() - began)
        found = sum(len(keys) for keys in result.values())
    return best, found


def _literal(path: Path) -> str:
    """A file path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(directory: Path, rows: int) -> tuple[Path, float | None]:
    """The check-ins as Parquet (psycopg COPY → CSV → DuckDB → Parquet); kept while the row count holds."""
    import duckdb

    from phongdich.checkins.models import CheckIn

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "checkins.parquet"
    stamp = directory / "checkins.rows"
    if target.exists() and stamp.exists() and stamp.read_text().strip() == str(rows):
        return target, None
    _progress(f"exporting {rows:,} check-ins to {target} …")
    began = time.perf_counter()
    csv_path = directory / "checkins.csv"
    table = connection.ops.quote_name(CheckIn._meta.db_table)
    columns = ", ".join(PARQUET_COLUMNS)
    with checkin_bench._raw_connection() as raw, raw.cursor() as cursor, csv_path.open("wb") as out:
        cursor.execute("SET TIME ZONE 'UTC'")
        export = f"COPY (SELECT {columns} FROM {table}) TO STDOUT WITH (FORMAT csv)"  # noqa: S608 (our names)
        with cursor.copy(export) as copy:
            for block in copy:
                out.write(block)
    types = {
        "uuid": "VARCHAR",
        "venue_id": "BIGINT",
        "person_id": "BIGINT",
        "phone": "VARCHAR",
        "name": "VARCHAR",
        "checked_in_at": "TIMESTAMPTZ",
        "checked_out_at": "TIMESTAMPTZ",
        "checkout_inferred": "BOOLEAN",
    }
    spec = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types.items()) + "}"
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    read = f"read_csv({_literal(csv_path)}, header = false, columns = {spec})"
    duck.execute(f"COPY (SELECT * FROM {read}) TO {_literal(target)} (FORMAT parquet)")  # noqa: S608
    duck.close()
    csv_path.unlink()
    stamp.write_text(str(rows))
    return target, time.perf_counter() - began


def time_duckdb(parquet: Path, cases: list[Any]) -> tuple[float, int]:
    """The statement of :func:`tracing.engine.co_presence`, run by DuckDB over the Parquet copy (better of two)."""
    import duckdb

    from phongdich.checkins.models import CheckIn
    from phongdich.tracing import engine, services
    from phongdich.venues.models import Venue

    policy = services.current_policy()
    indexes = [services.index_for(case, policy) for case in cases]
    # The very statement PostgreSQL runs in batch_f1 (DuckDB reads its PostgreSQL spelling as is).
    sql, params = engine.co_presence_query(
        indexes, policy, "postgresql", lambda value: value.isoformat(), keys_only=True
    )
    sql = sql.replace("%s", "?")
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    view = f"CREATE VIEW {CheckIn._meta.db_table} AS SELECT * FROM read_parquet({_literal(parquet)})"  # noqa: S608
    duck.execute(view)
    # The venues' kinds (the stay cap depends on them), as a small table.
    duck.execute(f"CREATE TABLE {Venue._meta.db_table} (id BIGINT, kind VARCHAR)")
    duck.executemany(f"INSERT INTO {Venue._meta.db_table} VALUES (?, ?)", list(Venue.objects.values_list("pk", "kind")))  # noqa: S608
    best, found = float("inf"), 0
    for _ in range(2):
        began = time.perf_counter()
        rows = duck.execute(sql, params).fetchall()
        keys = {
            (ref, ("p", person_id) if person_id is not None else ("t", phone))
            for ref, ip, iphone, person_id, phone in rows
            if not (person_id is not None and person_id == ip)
            and not (person_id is None and iphone and phone == iphone)
        }
        best = min(best, time.perf_counter() - began)
        found = len(keys)
    duck.close()
    return best, found


def time_positive_to_contacts(token: str, workers: int) -> dict[str, Any]:
    """POST a positive result for someone with recent check-ins; seconds until their case's contacts are stored."""
    from phongdich.cases.models import Case, CaseStatus
    from phongdich.checkins.models import CheckIn
    from phongdich.tracing.models import RunStatus, TracingRun

    now = timezone.now()
    busy = set(Case.objects.filter(status=CaseStatus.ACTIVE).values_list("person_id", flat=True))
    recent = (
        CheckIn.objects.filter(
            checked_in_at__gte=now - dt.timedelta(days=3), checked_in_at__lt=now - dt.timedelta(days=1, hours=2)
        )
        .filter(person__isnull=False)
        .values_list("person_id", "checked_in_at")[:2000]
    )
    person_id, visited = next((p, at) for p, at in recent if p not in busy)
    server = checkin_bench.Server(workers, 2)
    try:
        server.wait_ready()
        client = checkin_bench.Client(server.port, token)
        body = {
            "uuid": str(uuid.uuid4()),
            "person": person_id,
            "test_type": "rt_pcr",
            "taken_at": (visited + dt.timedelta(hours=20)).isoformat(),
            "lab": "CDC Quảng Ninh",
            "result": "positive",
            "ct_value": "21.5",
        }
        began = time.perf_counter()
        status, content = client.post("/api/v1/tests", body)
        answered = time.perf_counter() - began
        if status not in (200, 201):
            raise SynthError(f"POST /api/v1/tests answered {status}: {content[:300]!r}")
        case_ref = json.loads(content).get("case")
        if not case_ref:
            raise SynthError("The positive result opened no case.")
        deadline = time.monotonic() + 60
        run = None
        while time.monotonic() < deadline:
            run = TracingRun.objects.filter(case_id=case_ref["id"], status=RunStatus.DONE).first()
            if run is not None:
                break
            time.sleep(0.01)
        ready = time.perf_counter() - began
        client.conn.close()
    finally:
        server.stop()
    if run is None:
        raise SynthError("The contact list was not stored within a minute (is a worker running?).")
    return {
        "positive_to_contacts_ready_s": round(ready, 3),
        "positive_response_s": round(answered, 3),
        "positive_case_f1": run.f1_count,
        "positive_case_f2": run.f2_count,
    }


def measure(options: dict[str, Any]) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise SynthError("The tracing benchmark runs on PostgreSQL.")
    checkin_bench._prepare(float(options["people_scale"]))
    rows = checkin_bench._count_rows()
    fill_seconds = None
    if rows < options["rows"]:
        _progress(f"the table holds {rows:,} check-ins; filling to {options['rows']:,} with COPY …")
        fill_seconds = round(checkin_bench.fill(options["rows"] - rows), 1)
        rows = checkin_bench._count_rows()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cases = _bench_cases(int(options["cases"]))
    token = _lab_token()
    _progress(f"{rows:,} check-ins, {len(cases)} cases; single cases …")
    figures = time_single_cases(cases, int(options["f2_cases"]))
    _progress(f"single case F1 {figures['single_case_f1_ms']} ms, F1+F2 {figures['single_case_f1_f2_ms']} ms (p50)")
    _progress("the batch in PostgreSQL …")
    batch_s, batch_pairs = time_batch(cases)
    _progress(f"batch of {len(cases)} in PostgreSQL: {batch_s:.3f} s, {batch_pairs} pairs")
    directory = Path(options.get("parquet_dir") or Path(tempfile.gettempdir()) / "phongdich-bench-tracing")
    parquet, export_s = export_parquet(directory, rows)
    _progress("the batch in DuckDB …")
    duck_s, duck_pairs = time_duckdb(parquet, cases)
    _progress(f"batch of {len(cases)} in DuckDB: {duck_s:.3f} s, {duck_pairs} pairs")
    _progress("a positive result through the API …")
    end_to_end = time_positive_to_contacts(token, 2)
    return {
        "benchmark": "tracing",
        "database": connection.vendor,
        "rows_in_table": rows,
        "fill_seconds": fill_seconds,
        "cases": len(cases),
        **figures,
        "batch_1000_cases_s": round(batch_s, 3),
        "batch_f1_pairs": batch_pairs,
        "duckdb_batch_1000_cases_s": round(duck_s, 3),
        "duckdb_f1_pairs": duck_pairs,
        "parquet_export_s": round(export_s, 1) if export_s is not None else None,
        **end_to_end,
        "cpus": os.cpu_count(),
    }


def run_tracing_bench(options: dict[str, Any]) -> dict[str, Any]:
    argv = ["tracing"]
    for name in ("rows", "cases", "people_scale", "f2_cases"):
        argv += [f"--{name.replace('_', '-')}", str(options[name])]
    if options.get("parquet_dir"):
        argv += ["--parquet-dir", str(options["parquet_dir"])]
    return checkin_bench.run_in_own_database(
        bench_database_url(options.get("database_url")),
        CHILD_FLAG,
        argv,
        lambda: measure(options),
        # The end-to-end figure is the platform's own path: tracing runs in the request.
        drop_env=("REDIS_URL", "CELERY_BROKER_URL"),
    )


register(
    Benchmark(
        name="tracing",
        help="contact tracing on 14M check-ins and 1,000 cases: single case F1 and F1+F2, batch, end to end, DuckDB",
        add_arguments=_arguments,
        run=run_tracing_bench,
    )
)
