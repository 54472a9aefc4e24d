"""Adoption of the exposure app per commune (installs and active phones against the population).

Aggregates only: leaders see them too. Staff see the communes of their units.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.utils import timezone

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.core import access
from phongdich.core.errors import NotFound
from phongdich.exposure.models import AppInstall, SimulationReport
from phongdich.geo.models import AdministrativeUnit, Level

ACTIVE_DAYS = 7


@dataclass(frozen=True)
class AdoptionRow:
    code: str
    name: str
    population: int
    installs: int
    active: int

    @property
    def install_share(self) -> float:
        return self.installs / self.population if self.population else 0.0

    @property
    def active_share(self) -> float:
        return self.active / self.population if self.population else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "install_share": self.install_share, "active_share": self.active_share}


def may_see_adoption(user: User | AnonymousUser | None) -> bool:
    """Staff and leaders (figures, not records); never citizens."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.role != Role.CITIZEN)


def adoption_by_commune(actor: User, *, now: dt.datetime | None = None) -> list[AdoptionRow]:
    """One row per commune of the actor's units: census population, phones registered, phones active lately."""
    if not may_see_adoption(actor):
        raise NotFound()
    now = now or timezone.now()
    communes = list(
        AdministrativeUnit.objects.filter(access.unit_scope(actor), level=Level.COMMUNE)
        .order_by("path")
        .values_list("pk", "code", "name", "population")
    )
    since = now - dt.timedelta(days=ACTIVE_DAYS)
    counts = {
        row["commune"]: row
        for row in AppInstall.objects.filter(commune_id__in=[pk for pk, *_ in communes])
        .values("commune")
        .annotate(installs=Count("pk"), active=Count("pk", filter=Q(last_active_at__gte=since)))
    }
    return [
        AdoptionRow(
            code=code,
            name=name,
            population=population or 0,
            installs=counts.get(pk, {}).get("installs", 0),
            active=counts.get(pk, {}).get("active", 0),
        )
        for pk, code, name, population in communes
    ]


def totals(rows: list[AdoptionRow]) -> AdoptionRow:
    return AdoptionRow(
        code="",
        name="",
        population=sum(row.population for row in rows),
        installs=sum(row.installs for row in rows),
        active=sum(row.active for row in rows),
    )


def latest_simulation() -> SimulationReport | None:
    return SimulationReport.objects.order_by("-created_at").first()
