"""phongdich certificates-trust-list export [FILE] | import FILE: exchange document-signer certificates."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from phongdich.certificates import services
from phongdich.core.errors import DomainError


class Command(BaseCommand):
    help = "Export our trust list as JSON, or import another issuer's."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("file", nargs="?", default="-", help="the JSON file (export: default standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            text = json.dumps(services.export_trust_list(), indent=2)
            if options["file"] == "-":
                self.stdout.write(text)
            else:
                Path(options["file"]).write_text(text + "\n", encoding="utf-8")
            return
        if options["file"] == "-":
            raise CommandError("import needs a FILE")
        try:
            entries = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            created = services.import_trust_list(None, entries, source=Path(options["file"]).name)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(f"{exc.detail} {problems}".strip()) from None
        self.stdout.write(f"{created} new certificate(s) imported")
