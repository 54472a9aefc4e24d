"""phongdich import-boundaries FILE.geojson: attach polygons to units by official code."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from phongdich.core.errors import FileRejected
from phongdich.geo import services


class Command(BaseCommand):
    help = "Attach boundary polygons from a GeoJSON FeatureCollection to units, matched by the code property."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--code-property", default="code", help="Feature property holding the unit code")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            count = services.import_boundaries(
                path.read_text(encoding="utf-8-sig"), code_property=options["code_property"]
            )
        except FileRejected as rejected:
            raise CommandError(
                "The file was rejected; nothing was imported:\n" + "\n".join(rejected.problems)
            ) from None
        except UnicodeDecodeError:
            raise CommandError("The file is not UTF-8 text; nothing was imported.") from None
        self.stdout.write(f"Boundaries attached to {count} units.")
