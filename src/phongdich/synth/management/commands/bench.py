"""phongdich bench NAME [options] [--json]: time one of the registered benchmarks (``synth`` …)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from phongdich.synth import benchmarks
from phongdich.synth.bulk import UnsupportedDatabase
from phongdich.synth.generator import SynthError


class Command(BaseCommand):
    help = "Run a benchmark against the configured database and print its figures."

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Each installed app may define a ``benchmarks`` module that registers more benchmarks.
        autodiscover_modules("benchmarks")
        subcommands = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
        for benchmark in sorted(benchmarks.BENCHMARKS.values(), key=lambda b: b.name):
            subparser = subcommands.add_parser(benchmark.name, help=benchmark.help)
            benchmark.add_arguments(subparser)
            subparser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        benchmark = benchmarks.BENCHMARKS.get(options["benchmark"])
        if benchmark is None:
            raise CommandError(f"No benchmark named {options['benchmark']!r}.")
        try:
            figures = benchmark.run(options)
        except (SynthError, UnsupportedDatabase) as exc:
            raise CommandError(str(exc)) from None
        if options.get("json"):
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        for key, value in figures.items():
            self.stdout.write(f"{key}: {value}")
