"""phongdich load-units [FILE.csv]: load Quảng Ninh (bundled), or another province from a CSV."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from phongdich.core.errors import FileRejected
from phongdich.geo import services


class Command(BaseCommand):
    help = (
        "Load a province's administrative units. Without a file: Quảng Ninh, 2021 structure, 2019 census. "
        "A CSV needs the columns: "
        + ", ".join(services.UNIT_COLUMNS)
        + " (optional: "
        + ", ".join(services.BAND_COLUMNS)
        + ")."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV file of another province (one line per commune)")
        parser.add_argument("--population-year", type=int, default=2019)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"]:
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"No such file: {path}")
                with path.open(encoding="utf-8-sig", newline="") as handle:
                    result = services.load_units(handle, population_year=options["population_year"])
            else:
                result = services.load_bundled_province()
        except FileRejected as rejected:
            raise CommandError("The file was rejected; nothing was loaded:\n" + "\n".join(rejected.problems)) from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"The file is not UTF-8 text (byte {exc.start}); nothing was loaded.") from None
        self.stdout.write(
            f"{result.provinces} province, {result.districts} districts, {result.communes} communes "
            f"({result.created} created, {result.updated} updated); population {result.population:,}."
        )
