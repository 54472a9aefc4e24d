"""Benchmarks run by ``phongdich bench NAME``, and the registry later apps add theirs to.

An app adds a benchmark by defining ``<app>/benchmarks.py`` that calls :func:`register`; the bench
command imports every installed app's ``benchmarks`` module before reading its arguments.
A benchmark returns a flat dict of figures, printed as one JSON object with ``--json``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import connection, transaction

from phongdich import config
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.people.models import Household, Person
from phongdich.synth import services
from phongdich.synth.generator import SynthError, SynthOptions
from phongdich.synth.models import SynthRun


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[[dict[str, Any]], dict[str, Any]]


BENCHMARKS: dict[str, Benchmark] = {}


def register(benchmark: Benchmark) -> None:
    BENCHMARKS[benchmark.name] = benchmark


def bench_token(user: Any) -> str:
    """A new API token for a bench's account; the tokens of its earlier runs are revoked first, so repeated
    runs never meet the limit of active tokens an account may hold."""
    from django.utils import timezone

    from phongdich.accounts.models import ApiToken
    from phongdich.accounts.services import issue_token, revoke_token

    for earlier in ApiToken.objects.usable().filter(user=user, label__startswith="bench "):
        revoke_token(user, earlier.pk)
    return issue_token(user, label=f"bench {timezone.now():%Y-%m-%d %H:%M:%S}")[1]


def own_database_url(given: str | None, env_var: str, database_name: str, fallback: str) -> str:
    """A benchmark's own database: the one given, else ``$env_var``, else ``database_name`` on the configured
    PostgreSQL server, else ``fallback`` (the configuration is SQLite)."""
    if given:
        return given
    if env := os.environ.get(env_var):
        return env
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        return urlunsplit((parts.scheme, parts.netloc, f"/{database_name}", "", ""))
    return fallback


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


def _tracing_recall_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=0.01, help="people per census resident (1 = full size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--province", default=None, help="province code, when several are loaded")
    parser.add_argument("--days", type=int, default=14, help="days of check-ins the outbreak spreads over (1 to 21)")
    parser.add_argument("--outbreak", type=int, default=10, help="index infections")
    parser.add_argument("--outbreak-rate", type=float, default=1.0, help="multiplies the chances of transmission")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="evaluate the province's current synthetic population instead of generating one",
    )


def run_tracing_recall(options: dict[str, Any]) -> dict[str, Any]:
    """Generate a province with an outbreak (replacing an earlier one; ``--existing``: take the current one),
    trace its cases again, and check the lists against the truth and the raw check-ins.

    Figures: ``truth_recall`` (true venue transmissions within the co-presence rule found, pair of check-ins
    and all: should be 1.0), ``rule_recall`` (every pair of check-ins the rule makes co-present with a case,
    found), ``f1_precision`` and ``f2_precision`` (listed contacts whose every evidence row re-checks against
    the raw check-ins: should be 1.0), and the counts behind them (see ``synth.evaluation``).
    """
    from phongdich.synth.evaluation import evaluate

    if config.is_production():
        raise SynthError("Benchmarks are not run against a production installation.")
    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
    province = services.resolve_province(options.get("province"))
    started = time.perf_counter()
    existing = SynthRun.objects.filter(province=province).order_by("-id").first() if options.get("existing") else None
    if options.get("existing") and existing is None:
        raise SynthError(f"{province.name} has no synthetic population: run `phongdich synth --outbreak N` first.")
    run = existing or services.generate(
        SynthOptions(
            seed=options["seed"],
            scale=options["scale"],
            as_of=services.today_in_vietnam() - dt.timedelta(days=1),
            staff_password_hash=services.hash_staff_password(services.DEMO_STAFF_PASSWORD),
            replace=True,
            province_code=province.code,
            days=options["days"],
            outbreak=options["outbreak"],
            outbreak_rate=options["outbreak_rate"],
        )
    )
    synth_seconds = time.perf_counter() - started if existing is None else None
    figures = evaluate(run)
    return {
        "benchmark": "tracing-recall",
        "database": connection.vendor,
        "scale": run.scale,
        "seed": run.seed,
        "as_of": run.as_of.isoformat(),
        "people": int(run.counts.get("people", 0)),
        "checkins": int(run.counts.get("checkins", 0)),
        "synth_seconds": round(synth_seconds, 3) if synth_seconds is not None else None,
        **{key: value for key, value in run.counts.items() if key.startswith("outbreak_")},
        **figures,
    }


register(
    Benchmark(
        name="tracing-recall",
        help="a synthetic outbreak with ground truth: recall of the co-presence rule and precision of the F1 lists",
        add_arguments=_tracing_recall_arguments,
        run=run_tracing_recall,
    )
)
