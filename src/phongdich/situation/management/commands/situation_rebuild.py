"""``phongdich situation-rebuild [--since DATE]``: recompute the daily figures from the raw rows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phongdich.situation import stats


class Command(BaseCommand):
    help = "Rebuild the daily figures per commune (all days, or from a date on) with grouped queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="First local day to rebuild (YYYY-MM-DD; default: every day)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since: not a date (YYYY-MM-DD).") from None
        rows = stats.rebuild(since=since)
        self.stdout.write(json.dumps({"rows": rows, "since": since.isoformat() if since else None}))
