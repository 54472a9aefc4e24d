"""phongdich exposure publish|purge|rotate-key|simulate: the exposure notification server's jobs."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from phongdich.exposure import exports, simulator


class Command(BaseCommand):
    help = (
        "Exposure notifications: publish the next export batch, delete keys older than 14 days, rotate the "
        "export signing key, or simulate phones on the stored check-ins (prints JSON)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        publish = commands.add_parser("publish", help="cut and sign the next export batch")
        publish.add_argument("--at", default="", help="ISO time to publish as of (default: now)")
        commands.add_parser("purge", help="delete keys and export files older than 14 days")
        commands.add_parser("rotate-key", help="a new export signing key version")
        simulate = commands.add_parser("simulate", help="phones for the synthetic population, end to end")
        simulate.add_argument("--adoption", type=float, default=simulator.DEFAULT_ADOPTION)
        simulate.add_argument("--consent", type=float, default=simulator.DEFAULT_CONSENT)
        simulate.add_argument("--scan-share", type=float, default=simulator.DEFAULT_SCAN_SHARE)
        simulate.add_argument("--seed", type=int, default=1)
        simulate.add_argument("--days", type=int, default=14)
        for sub in (publish, simulate):
            sub.add_argument("--json", action="store_true", help="(output is always JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "publish":
            at = parse_datetime(options["at"]) if options["at"] else None
            if options["at"] and at is None:
                raise CommandError("--at takes an ISO date and time")
            report = exports.publish_exports(at)
            output: dict[str, Any] = {"region": report.region, "files": report.files, "keys": report.keys}
            output["padding"] = report.padding
        elif action == "purge":
            output = exports.purge_expired()
        elif action == "rotate-key":
            key = exports.rotate_signing_key()
            output = {"key_id": key.key_id, "version": key.version}
        else:
            try:
                result = simulator.simulate(
                    adoption=options["adoption"],
                    consent=options["consent"],
                    scan_share=options["scan_share"],
                    seed=options["seed"],
                    days=options["days"],
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            output = result.figures
        self.stdout.write(json.dumps(output, ensure_ascii=False))
