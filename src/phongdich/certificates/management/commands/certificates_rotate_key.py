"""phongdich certificates-rotate-key [--days N]: a new active document-signing key for EU DCCs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from phongdich.certificates import services
from phongdich.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a new active signing key (earlier keys keep verifying until they expire)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=services.DSC_DAYS, help="validity of the new key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = services.rotate_key(None, days=options["days"])
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(f"kid {key.kid} valid until {key.not_after:%Y-%m-%dT%H:%M:%SZ}")
