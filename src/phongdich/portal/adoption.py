"""Campaign figures: how many people of each commune use the province's digital tools, against the census.

One grouped query per figure, by the person's home commune:

- registered citizens: citizen accounts linked to a person of the commune (portal or app sign-in);
- personal QR holders: persons with a mobile number in the registry. Every registered person has a personal
  QR (``checkins.personal_qr``); one with a phone can receive it and show it at a door or a checkpoint. (Who
  opened their QR is not recorded, so it cannot be counted.);
- check-in users: distinct persons with a check-in within the retention window (CHECKIN_RETENTION_DAYS);
- exposure-app users: app installs registered to the commune (the exposure adoption screen's query).

The public page shows the figures and shares only (no names, no rows); the internal one the same for the
units of the account. Shares are of the 2019 census population.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.checkins.models import CheckIn
from phongdich.checkins.services import retention_days
from phongdich.exposure.models import AppInstall
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people.models import Person

FIGURES = ("registered", "qr_holders", "checkin_users", "exposure_users")


@dataclass
class AdoptionRow:
    code: str
    name: str
    district: str
    population: int
    counts: dict[str, int] = field(default_factory=dict)

    def share(self, figure: str) -> float | None:
        return 100.0 * self.counts.get(figure, 0) / self.population if self.population else None

    @property
    def registered(self) -> int:
        return self.counts.get("registered", 0)

    @property
    def qr_holders(self) -> int:
        return self.counts.get("qr_holders", 0)

    @property
    def checkin_users(self) -> int:
        return self.counts.get("checkin_users", 0)

    @property
    def exposure_users(self) -> int:
        return self.counts.get("exposure_users", 0)

    @property
    def shares(self) -> dict[str, float | None]:
        return {figure: self.share(figure) for figure in FIGURES}


def _by_commune(rows: object) -> dict[int, int]:
    return {commune: n for commune, n in rows if commune is not None}  # type: ignore[attr-defined]


def figures(communes: Q | None = None, *, now: dt.datetime | None = None) -> list[AdoptionRow]:
    """One row per commune (optionally limited by a filter on units), each figure counted in one query."""
    now = now or timezone.now()
    units = AdministrativeUnit.objects.filter(level=Level.COMMUNE)
    if communes is not None:
        units = units.filter(communes)
    commune_rows = list(units.order_by("path").values_list("pk", "code", "name", "parent__name", "population"))
    ids = [pk for pk, *_ in commune_rows]
    since = now - dt.timedelta(days=retention_days())
    counts = {
        "registered": _by_commune(
            User.objects.filter(role=Role.CITIZEN, is_active=True, person__home_commune_id__in=ids)
            .values_list("person__home_commune")
            .annotate(n=Count("pk"))
        ),
        "qr_holders": _by_commune(
            Person.objects.filter(home_commune_id__in=ids)
            .exclude(phone="")
            .values_list("home_commune")
            .annotate(n=Count("pk"))
        ),
        "checkin_users": _by_commune(
            CheckIn.objects.filter(checked_in_at__gte=since, person__isnull=False, person__home_commune_id__in=ids)
            .values_list("person__home_commune")
            .annotate(n=Count("person", distinct=True))
        ),
        "exposure_users": _by_commune(
            AppInstall.objects.filter(commune_id__in=ids).values_list("commune").annotate(n=Count("pk"))
        ),
    }
    return [
        AdoptionRow(
            code=code,
            name=name,
            district=district or "",
            population=population or 0,
            counts={figure: counts[figure].get(pk, 0) for figure in FIGURES},
        )
        for pk, code, name, district, population in commune_rows
    ]


def total(rows: list[AdoptionRow]) -> AdoptionRow:
    return AdoptionRow(
        code="",
        name="",
        district="",
        population=sum(row.population for row in rows),
        counts={figure: sum(row.counts.get(figure, 0) for row in rows) for figure in FIGURES},
    )
