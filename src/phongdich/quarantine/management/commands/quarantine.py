"""``phongdich quarantine release|missed-checks [--at ISO-TIME]``: the periodic quarantine jobs, by hand."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from phongdich.quarantine import services


class Command(BaseCommand):
    help = "Release quarantine orders that are due, or raise alerts for missed daily health checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["release", "missed-checks"])
        parser.add_argument("--at", help="The moment to act as of (ISO 8601; default now)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError("--at: not an ISO 8601 date and time.") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        if options["job"] == "release":
            summary = services.release_due_orders(now)
            result: dict[str, int] = {"released": len(summary.released), "to_review": len(summary.to_review)}
        else:
            result = {"alerts": services.check_missed_health_checks(now)}
        self.stdout.write(json.dumps(result))
