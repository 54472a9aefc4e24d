"""phongdich create-token USERNAME --label LABEL: issue an API token and print it once."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from phongdich.accounts import services
from phongdich.accounts.models import ApiToken, User
from phongdich.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API token for an account (for a device, a lab system, a script). It is printed once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", required=True)
        parser.add_argument("--kind", choices=ApiToken.Kind.values, default=ApiToken.Kind.DEVICE)
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active account is named {options['username']}.")
        expires = timezone.now() + dt.timedelta(days=options["days"]) if options["days"] else None
        try:
            _token, secret = services.issue_token(
                user, label=options["label"], kind=options["kind"], expires_at=expires
            )
        except DomainError as exc:
            raise CommandError("; ".join(e.message for e in exc.errors) or exc.detail) from None
        self.stdout.write(secret)
