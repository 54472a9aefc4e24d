"""Benchmarks run by ``phongdich bench NAME``, and the registry later apps add theirs to.

An app adds a benchmark by defining ``<app>/benchmarks.py`` that calls :func:`register`; the bench
command imports every installed app's ``benchmarks`` module before reading its arguments.
A benchmark returns a flat dict of figures, printed as one JSON object with ``--json``.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from phongdich import config
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.people.models import Household, Person
from phongdich.synth import services
from phongdich.synth.generator import SynthError, SynthOptions


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[[dict[str, Any]], dict[str, Any]]


BENCHMARKS: dict[str, Benchmark] = {}


def register(benchmark: Benchmark) -> None:
    BENCHMARKS[benchmark.name] = benchmark


def _synth_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=0.1, help="people per census resident (1 = full size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--province", default=None, help="province code, when several are loaded")


def _vacuum_people_tables() -> None:
    """On PostgreSQL, reclaim the rows just deleted, so every run writes into clean tables.

    Without it (and with autovacuum off or behind) a rerun with the same seed inserts the same ID
    numbers and names over dead index entries, and gets slower run after run. VACUUM cannot run
    inside a transaction, so it is skipped there (tests).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in (Person, Household))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def run_synth(options: dict[str, Any]) -> dict[str, Any]:
    """Generate a province from scratch and time it.

    Self-contained: loads the bundled units when none are loaded, and first removes any earlier
    synthetic population, timed apart with the vacuum that follows (``clear_seconds``), so
    ``seconds`` is always a generation into an empty province, staff accounts, audit and commit included.
    """
    if config.is_production():
        # It replaces data and creates staff accounts with the published demo password.
        raise SynthError("Benchmarks are not run against a production installation.")
    units_loaded = False
    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
        units_loaded = True
    province = services.resolve_province(options.get("province"))
    password_hash = services.hash_staff_password(services.DEMO_STAFF_PASSWORD)

    started = time.perf_counter()
    with transaction.atomic():
        runs_cleared = services.clear_runs(province)
    _vacuum_people_tables()
    clear_seconds = time.perf_counter() - started

    started = time.perf_counter()
    run = services.generate(
        SynthOptions(
            seed=options["seed"],
            scale=options["scale"],
            as_of=services.today_in_vietnam(),
            staff_password_hash=password_hash,
            replace=True,
            province_code=province.code,
        )
    )
    seconds = time.perf_counter() - started
    people = int(run.counts.get("people", 0))
    return {
        "benchmark": "synth",
        "database": connection.vendor,
        "scale": options["scale"],
        "seed": options["seed"],
        "people": people,
        "households": int(run.counts.get("households", 0)),
        "communes": int(run.counts.get("communes", 0)),
        "staff_accounts_created": int(run.counts.get("staff_accounts_created", 0)),
        "seconds": round(seconds, 3),
        "people_per_second": round(people / seconds) if seconds > 0 else None,
        "clear_seconds": round(clear_seconds, 3),
        "runs_cleared": runs_cleared,
        "units_loaded": units_loaded,
    }


register(
    Benchmark(
        name="synth",
        help="generate the synthetic population (replacing an earlier one) and time it",
        add_arguments=_synth_arguments,
        run=run_synth,
    )
)
