"""phongdich create-account USERNAME --role ROLE --unit CODE [--unit CODE …]: a staff account."""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from phongdich.accounts import services
from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.core.errors import DomainError
from phongdich.geo.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Create an account with a role and the units it works in. Asks for the password."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", action="append", default=[], help="Official unit code; repeat for several")
        parser.add_argument("--name", default="", help="Full name shown in the interface")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"An account named {username} exists already.")
        codes = options["unit"]
        units = list(AdministrativeUnit.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {unit.code for unit in units})
        if unknown:
            raise CommandError(f"No unit has the code(s): {', '.join(unknown)}")
        if options["role"] != Role.CITIZEN and not units:
            raise CommandError("A staff account needs at least one --unit.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password again: "):
            raise CommandError("The passwords differ.")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        try:
            services.create_account(
                username, role=options["role"], units=units, password=password, full_name=options["name"]
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(f"Created {username} ({options['role']}).")
