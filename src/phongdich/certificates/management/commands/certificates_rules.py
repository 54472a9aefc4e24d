"""phongdich certificates-rules import FILE | export [FILE] [--country CC] | default: EU DCC business rules."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from phongdich.certificates import rules
from phongdich.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import business rules (CertLogic, EU DCC rule format) from a JSON file, export the stored ones, "
        "or load PhòngDịch's default Vietnamese rules again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["import", "export", "default"])
        parser.add_argument("file", nargs="?", default="-", help="the JSON file (export: default standard output)")
        parser.add_argument("--country", default="", help="export: only this country's rules")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export":
            text = json.dumps(rules.export_rules(options["country"] or None), ensure_ascii=False, indent=2)
            if options["file"] == "-":
                self.stdout.write(text)
            else:
                Path(options["file"]).write_text(text + "\n", encoding="utf-8")
            return
        try:
            if action == "default":
                created = rules.import_rules(None, rules.default_rules(), source="PhòngDịch default rules")
            else:
                if options["file"] == "-":
                    raise CommandError("import needs a FILE")
                path = Path(options["file"])
                created = rules.import_rules(None, json.loads(path.read_text(encoding="utf-8")), source=path.name)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(f"{exc.detail} {problems}".strip()) from None
        self.stdout.write(f"{created} new rule(s) imported")
