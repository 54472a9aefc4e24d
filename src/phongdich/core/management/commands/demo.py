"""phongdich demo: everything a newcomer needs, in one command. Safe to run again."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from phongdich.accounts import services as accounts
from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.geo import services as geo
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Person
from phongdich.venues.models import Venue, VenueStatus

DEMO_SCALE = 0.01
DEMO_SEED = 2021
# Two weeks of check-ins, so the outbreak, its tracing and the quarantines have a history whatever the hour.
DEMO_DAYS = 14
# Demo only: the command refuses to run in production mode, so this password never guards real data.
DEMO_PASSWORD = "phongdich-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    unit_code: str
    label: str
    # Shown in the interface's header, which speaks Vietnamese first.
    display_name: str


HA_LONG = "193"
HA_KHANH = "06649"
PROVINCE = "22"

DEMO_ACCOUNTS = (
    DemoAccount(
        "demo-tinh", Role.PROVINCE_ADMIN, PROVINCE, "province administrator, all of Quảng Ninh", "Quản trị tỉnh (demo)"
    ),
    DemoAccount("demo-cdc", Role.EPIDEMIOLOGIST, PROVINCE, "CDC epidemiologist, province", "Dịch tễ CDC tỉnh (demo)"),
    DemoAccount("demo-lanhdao", Role.LEADER, PROVINCE, "leader: aggregates only", "Lãnh đạo Ban Chỉ đạo (demo)"),
    DemoAccount(
        "demo-huyen", Role.DISTRICT_OFFICER, HA_LONG, "district officer, Hạ Long", "Cán bộ y tế TP Hạ Long (demo)"
    ),
    DemoAccount(
        "demo-xa",
        Role.COMMUNE_OFFICER,
        HA_KHANH,
        "commune officer, Phường Hà Khánh",
        "Cán bộ trạm y tế Hà Khánh (demo)",
    ),
    DemoAccount(
        "demo-xetnghiem", Role.LAB_TECHNICIAN, PROVINCE, "lab technician, province", "Kỹ thuật viên xét nghiệm (demo)"
    ),
    DemoAccount("demo-tiemchung", Role.VACCINATOR, HA_LONG, "vaccinator, Hạ Long", "Cán bộ tiêm chủng Hạ Long (demo)"),
    DemoAccount(
        "demo-cachly",
        Role.QUARANTINE_STAFF,
        HA_LONG,
        "quarantine facility staff, Hạ Long",
        "Nhân viên khu cách ly (demo)",
    ),
    DemoAccount(
        "demo-diadiem", Role.VENUE_OPERATOR, HA_KHANH, "venue operator, Phường Hà Khánh", "Chủ địa điểm (demo)"
    ),
    DemoAccount(
        "demo-chot", Role.CHECKPOINT_OFFICER, HA_LONG, "checkpoint officer, Hạ Long", "Cán bộ chốt kiểm soát (demo)"
    ),
    DemoAccount("demo-congdan", Role.CITIZEN, HA_KHANH, "citizen of Phường Hà Khánh", "Người dân Hà Khánh (demo)"),
)


def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that are missing; existing ones keep what their users changed."""
    password_hash = make_password(DEMO_PASSWORD)
    units = {
        unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in={a.unit_code for a in DEMO_ACCOUNTS})
    }
    with transaction.atomic():
        for account in DEMO_ACCOUNTS:
            if User.objects.filter(username=account.username).exists():
                continue
            unit = units[account.unit_code]
            user = accounts.create_account(
                account.username,
                role=account.role,
                units=[] if account.role == Role.CITIZEN else [unit],
                password_hash=password_hash,
                full_name=account.display_name,
            )
            if account.role == Role.VENUE_OPERATOR:
                # The operator runs one of the commune's synthetic venues, so the scanner has a venue.
                venue = Venue.objects.filter(commune=unit, status=VenueStatus.ACTIVE).order_by("id").first()
                if venue is not None:
                    venue.operators.add(user)
            if account.role == Role.CITIZEN:
                user.person = (
                    Person.objects.filter(home_commune=unit, account__isnull=True, citizen_id__isnull=False)
                    .order_by("id")
                    .first()
                )
                user.save(update_fields=["person"])
    return list(DEMO_ACCOUNTS)


class Command(BaseCommand):
    help = "Set up a demo site (SQLite, Quảng Ninh, synthetic people, one account per role) and serve it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set everything up but do not start the server")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000)")
        parser.add_argument("--scale", type=float, default=DEMO_SCALE, help="Synthetic population scale")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo creates accounts with a published password: not in production mode.")
        self.stdout.write(f"Data folder: {settings.HOME}")
        call_command("migrate", interactive=False, verbosity=0)
        result = geo.load_bundled_province()
        self.stdout.write(f"Units: {result.districts} districts, {result.communes} communes of Quảng Ninh.")
        if not Person.objects.exists():
            self.stdout.write("Generating the synthetic population…")
            call_command(
                "synth",
                scale=options["scale"],
                seed=DEMO_SEED,
                days=DEMO_DAYS,
                staff_password=DEMO_PASSWORD,
                stdout=self.stdout,
            )
            self.stdout.write("Simulating the exposure notification app on the synthetic check-ins…")
            simulated = StringIO()
            call_command("exposure", "simulate", stdout=simulated)
            effect = json.loads(simulated.getvalue())
            self.stdout.write(
                f"Exposure notification: {effect['phones']:,} phones, {effect['cases_uploaded']} cases uploaded "
                f"their keys, {effect['phones_alerted']:,} phones alerted (see /exposure/adoption/)."
            )
        else:
            self.stdout.write(f"People: {Person.objects.count():,} already registered, kept.")
        demo_accounts = ensure_demo_accounts()
        host = options["addr"]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"PhòngDịch demo: http://{host}/  (API docs: http://{host}/api/v1/docs)"))
        self.stdout.write(f"Log in with one of these accounts, password '{DEMO_PASSWORD}':")
        for account in demo_accounts:
            self.stdout.write(f"  {account.username:<16} {account.label}")
        self.stdout.write("Synthetic staff of every commune and district: xa-<code>, huyen-<code> (see README).")
        venue = Venue.objects.filter(operators__username="demo-diadiem").first()
        if venue is not None:
            self.stdout.write(f"A venue's QR check-in page (what its poster opens): http://{host}/c/{venue.qr_key}")
        if options["no_serve"]:
            return
        self.stdout.write("Press Ctrl+C to stop.")
        call_command("runserver", host, use_reloader=False)
