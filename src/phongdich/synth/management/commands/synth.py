"""phongdich synth --scale S --seed N: generate a synthetic population for the loaded province."""

from __future__ import annotations

import datetime as dt
import math
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from phongdich import config
from phongdich.synth import services
from phongdich.synth.bulk import UnsupportedDatabase
from phongdich.synth.generator import SynthError, SynthOptions
from phongdich.synth.outbreak_step import DEFAULT_OUTBREAK, MAX_INDEX_INFECTIONS


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date as YYYY-MM-DD") from None


def share(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise ArgumentTypeError(f"{value!r} is not a share between 0 and 1")
    return number


def days_count(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 21:
        raise ArgumentTypeError(f"{value!r} is not a number of days from 1 to 21")
    return number


def outbreak_size(value: str) -> int:
    number = int(value)
    if not 0 <= number <= MAX_INDEX_INFECTIONS:
        raise ArgumentTypeError(f"{value!r} is not a number of index infections from 0 to {MAX_INDEX_INFECTIONS}")
    return number


def non_negative(value: str) -> float:
    number = float(value)
    if not 0 <= number < math.inf:
        raise ArgumentTypeError(f"{value!r} is not a number of at least 0")
    return number


def staff_password_hash(password: str | None) -> tuple[str, bool]:
    """The hash to give every staff account, and whether the demo password was used."""
    if password:
        return services.hash_staff_password(password), False
    if config.is_production():
        raise CommandError("In production, give the staff accounts' password with --staff-password.")
    return services.hash_staff_password(services.DEMO_STAFF_PASSWORD), True


class Command(BaseCommand):
    help = (
        "Generate a synthetic population for the loaded province: people in households in every commune "
        "(census population × scale), with names, CCCD numbers and phones, plus a health officer's account "
        "for every district (huyen-<code>) and commune (xa-<code>). Same seed and reference date, same data."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--scale", type=float, default=0.01, help="people per census resident (1 = full size)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--as-of", type=iso_date, default=None, help="reference date for ages (default: today in Viet Nam)"
        )
        parser.add_argument("--province", default=None, help="province code, when several are loaded")
        parser.add_argument(
            "--replace", action="store_true", help="delete the province's earlier synthetic population first"
        )
        parser.add_argument(
            "--adoption",
            type=share,
            default=0.46,
            help="share of people who check in with the app (default 0.46, Quảng Ninh in 2021)",
        )
        parser.add_argument(
            "--days",
            type=days_count,
            default=1,
            help="days of check-ins ending on the reference date (1 to 21, default 1)",
        )
        parser.add_argument(
            "--outbreak",
            type=outbreak_size,
            default=DEFAULT_OUTBREAK,
            help=f"index infections of a synthetic outbreak spreading through the venues and households over "
            f"the check-in days, with its tests and results (default {DEFAULT_OUTBREAK}, 0: none)",
        )
        parser.add_argument(
            "--outbreak-rate",
            type=non_negative,
            default=1.0,
            help="multiplies the outbreak's chances of transmission (default 1)",
        )
        parser.add_argument(
            "--staff-password", default=None, help="password for new staff accounts (default: a demo password)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password_hash, demo_password = staff_password_hash(options["staff_password"])
        synth_options = SynthOptions(
            seed=options["seed"],
            scale=options["scale"],
            as_of=options["as_of"] or services.today_in_vietnam(),
            staff_password_hash=password_hash,
            replace=options["replace"],
            province_code=options["province"],
            adoption=options["adoption"],
            days=options["days"],
            outbreak=options["outbreak"],
            outbreak_rate=options["outbreak_rate"],
        )
        try:
            run = services.generate(synth_options)
        except (SynthError, UnsupportedDatabase) as exc:
            raise CommandError(str(exc)) from None
        except IntegrityError:
            raise CommandError(
                "Nothing was generated: the database refused the data. If --replace was given, records "
                "made by hand (cases, check-ins …) may refer to people of the earlier run."
            ) from None
        counts = run.counts
        self.stdout.write(
            f"Generated {counts.get('people', 0):,} people in {counts.get('households', 0):,} households across "
            f"{counts.get('communes', 0)} communes (seed {run.seed}, scale {run.scale:g}, as of {run.as_of}) "
            f"in {run.seconds:.1f} s."
        )
        self.stdout.write(
            f"Venues: {counts.get('venues', 0):,}; check-ins: {counts.get('checkins', 0):,} by "
            f"{counts.get('checkin_people', 0):,} people over {synth_options.days} day(s) "
            "(only days within the retention period are generated)."
        )
        if counts.get("vaccinations"):
            self.stdout.write(
                f"Vaccinations: {counts.get('vaccinations', 0):,} doses given to "
                f"{counts.get('vaccinated_people', 0):,} people up to the reference date."
            )
        if counts.get("outbreak_index"):
            self.stdout.write(
                f"Outbreak: {counts.get('outbreak_index', 0)} index infections, "
                f"{counts.get('outbreak_infections', 0):,} infections in all; "
                f"{counts.get('outbreak_samples', 0):,} samples, {counts.get('outbreak_confirmed', 0):,} confirmed."
            )
        if counts.get("runs_replaced"):
            self.stdout.write("The earlier synthetic population was replaced.")
        created = counts.get("staff_accounts_created", 0)
        line = f"Staff accounts: {created} created, {counts.get('staff_accounts_existing', 0)} already existed."
        if created and demo_password:
            line += f" Their password: {services.DEMO_STAFF_PASSWORD}"
        self.stdout.write(line)
