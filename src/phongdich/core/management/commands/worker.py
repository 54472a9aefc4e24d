"""phongdich worker: a Celery worker (and, with --beat, the scheduler) for background jobs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a Celery worker for background jobs. Needs REDIS_URL (or CELERY_BROKER_URL)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--beat", action="store_true", help="Also run the periodic-job scheduler (one per site)")
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "No broker: set REDIS_URL (e.g. redis://127.0.0.1:6379/0). Without one, jobs run in the web process."
            )
        from phongdich.celery import app

        argv = ["worker", f"--loglevel={options['loglevel']}", f"--concurrency={options['concurrency']}"]
        if options["beat"]:
            argv.append("--beat")
        app.worker_main(argv)
