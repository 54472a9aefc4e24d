"""``phongdich bench vaccination-coverage``: the coverage table for the whole province at full scale.

On its own PostgreSQL database (``phongdich_bench_vaccination`` on the configured server unless told
otherwise), filled once with the synthetic province at ``--scale`` (1: 1.32 million people and about
2.5 million doses) and kept between runs. ``coverage_ms`` is the median time of
:func:`phongdich.vaccination.coverage.coverage` for a province administrator (every commune, district
and the province, every age band), after one warm-up call. ``phongdich bench certificates`` reports it
too. Like the check-in benchmark, it refuses a production installation and never touches the configured
database: it runs itself again with ``DATABASE_URL`` pointing at the bench database.
"""

from __future__ import annotations

import statistics
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.db import connection

from phongdich.checkins.benchmarks import run_in_own_database
from phongdich.synth.benchmarks import Benchmark, own_database_url, register
from phongdich.synth.generator import SynthError

DATABASE_NAME = "phongdich_bench_vaccination"
DEFAULT_DATABASE = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
CHILD_FLAG = "PHONGDICH_COVERAGE_BENCH_CHILD"
BENCH_USER = "bench-coverage"


def add_coverage_arguments(parser: ArgumentParser, prefix: str = "") -> None:
    parser.add_argument(
        f"--{prefix}scale", type=float, default=1.0, help="synthetic population of the coverage database (1 = full)"
    )
    parser.add_argument(
        f"--{prefix}database-url",
        default=None,
        help=f"the coverage benchmark's own PostgreSQL database (default: {DATABASE_NAME} on the configured server)",
    )
    parser.add_argument(f"--{prefix}repeat", type=int, default=5, help="timed runs of the coverage table")


def database_url(given: str | None) -> str:
    return own_database_url(given, "PHONGDICH_COVERAGE_BENCH_DATABASE_URL", DATABASE_NAME, DEFAULT_DATABASE)


def _progress(message: str) -> None:
    print(f"[bench coverage] {message}", file=sys.stderr, flush=True)


def _prepare(scale: float) -> Any:
    """Units and the synthetic province at ``scale`` with its doses; the province administrator's account."""
    from phongdich.accounts.models import User
    from phongdich.accounts.roles import Role
    from phongdich.accounts.services import create_account
    from phongdich.geo.models import AdministrativeUnit
    from phongdich.geo.services import load_bundled_province
    from phongdich.synth import services as synth
    from phongdich.synth.generator import SynthOptions
    from phongdich.synth.models import SynthRun

    call_command("migrate", interactive=False, verbosity=0)
    if not AdministrativeUnit.objects.communes().exists():
        load_bundled_province()
    province = synth.resolve_province()
    run = SynthRun.objects.filter(province=province).order_by("-pk").first()
    if run is None or run.scale != scale or not run.counts.get("vaccinations"):
        _progress(f"generating the synthetic province at scale {scale:g} with its vaccinations (once) …")
        synth.generate(
            SynthOptions(
                seed=1,
                scale=scale,
                as_of=synth.today_in_vietnam(),
                staff_password_hash=synth.hash_staff_password(synth.DEMO_STAFF_PASSWORD),
                province_code=province.code,
                replace=run is not None,
                adoption=0.0,  # no check-ins: this database is for the coverage table
                outbreak=0,
            )
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = create_account(BENCH_USER, role=Role.PROVINCE_ADMIN, units=[province], full_name="Đo hiệu năng")
    return user


def measure(options: dict[str, Any]) -> dict[str, Any]:
    from phongdich.people.models import Person
    from phongdich.vaccination import coverage
    from phongdich.vaccination.models import Vaccination

    if connection.vendor != "postgresql":
        raise SynthError("The coverage benchmark runs on PostgreSQL.")
    user = _prepare(float(options["scale"]))
    _progress("timing the coverage table …")
    rows = coverage.coverage(user)  # warm-up
    times = []
    for _ in range(max(1, int(options["repeat"]))):
        started = time.perf_counter()
        rows = coverage.coverage(user)
        times.append((time.perf_counter() - started) * 1000)
    province_row = rows[0]
    return {
        "coverage_ms": round(statistics.median(times), 1),
        "coverage_min_ms": round(min(times), 1),
        "coverage_people": Person.objects.count(),
        "coverage_doses": Vaccination.objects.count(),
        "coverage_units": len(rows),
        "coverage_first_dose_18_plus_pct": province_row.cells["18_plus"].first_dose_pct,
        "coverage_scale": float(options["scale"]),
    }


def run_coverage(options: dict[str, Any]) -> dict[str, Any]:
    return run_in_own_database(
        database_url(options.get("database_url")),
        CHILD_FLAG,
        ["vaccination-coverage", "--scale", str(options["scale"]), "--repeat", str(options["repeat"])],
        lambda: measure(options),
    )


register(
    Benchmark(
        name="vaccination-coverage",
        help="the vaccination coverage table for the province at full scale (1.32M people, ~2.5M doses)",
        add_arguments=add_coverage_arguments,
        run=run_coverage,
    )
)


def add_to_certificates_arguments(parser: ArgumentParser) -> None:
    """``phongdich bench certificates`` reports ``coverage_ms`` too (issue 6): its options, prefixed."""
    add_coverage_arguments(parser, prefix="coverage-")
    parser.add_argument("--no-coverage", action="store_true", help="skip the coverage table (coverage_ms)")


def coverage_for_certificates(options: dict[str, Any]) -> dict[str, Any]:
    """The coverage figures, when the command asked for them (its parser always gives ``coverage_scale``;
    a caller passing only ``count``, as the certificates' own tests do, times issue and verify alone)."""
    if options.get("no_coverage") or "coverage_scale" not in options:
        return {}
    return run_coverage(
        {
            "scale": options.get("coverage_scale", 1.0),
            "database_url": options.get("coverage_database_url"),
            "repeat": options.get("coverage_repeat", 5),
        }
    )
