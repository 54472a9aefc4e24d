"""Vaccination coverage per commune, district and province and per age band: figures, never rows.

Numerators come from one aggregate query (the vaccinated persons in scope, as kept in CoverageEntry,
GROUP BY home commune and age band at the reference date); denominators from the census figures stored
on each unit (geo), read in one more query. Leaders (aggregate-only) may see these figures.

geo stores the bands 0–11, 12–17, 18–49, 50–64 and 65+. The reported bands are derived:
18+ = 18–49 + 50–64 + 65+; 50+ = 50–64 + 65+; 5–11 is ESTIMATED as 7/12 of the 0–11 band (the seven
single years 5…11 out of twelve, assuming an even spread of ages; rounded to whole persons).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import AGGREGATE_ONLY_ROLES, Role
from phongdich.core import access
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.vaccination.models import CoverageEntry

# Reported bands: key -> label. "all" is every age against the unit's total population.
BANDS: tuple[tuple[str, object], ...] = (
    ("5_11", _("5–11")),
    ("12_17", _("12–17")),
    ("18_plus", _("18+")),
    ("50_plus", _("50+")),
    ("65_plus", _("65+")),
    ("all", _("All ages")),
)
# Stored (exact-age) bands the query groups by, and the reported bands each one counts in.
_PARTS: dict[str, tuple[str, ...]] = {
    "0_4": ("all",),
    "5_11": ("5_11", "all"),
    "12_17": ("12_17", "all"),
    "18_49": ("18_plus", "all"),
    "50_64": ("18_plus", "50_plus", "all"),
    "65_plus": ("18_plus", "50_plus", "65_plus", "all"),
}


def may_see_coverage(user: User) -> bool:
    """Leaders (aggregates only) and the staff who may read vaccination records; not citizens."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.role in AGGREGATE_ONLY_ROLES:
        return True
    return user.role != Role.CITIZEN and access.can(user, "vaccination", "view")


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _band_expression(today: dt.date, born: str = "person__date_of_birth") -> models.Case:
    """The exact age band at ``today`` from the date of birth (born after the cut-off: younger)."""
    whens = [
        models.When(**{f"{born}__gt": _years_ago(today, 5)}, then=models.Value("0_4")),
        models.When(**{f"{born}__gt": _years_ago(today, 12)}, then=models.Value("5_11")),
        models.When(**{f"{born}__gt": _years_ago(today, 18)}, then=models.Value("12_17")),
        models.When(**{f"{born}__gt": _years_ago(today, 50)}, then=models.Value("18_49")),
        models.When(**{f"{born}__gt": _years_ago(today, 65)}, then=models.Value("50_64")),
    ]
    return models.Case(*whens, default=models.Value("65_plus"), output_field=models.CharField())


def denominators(unit: AdministrativeUnit) -> dict[str, int | None]:
    """The reported bands' populations, derived from the stored bands (None when unknown)."""
    young, teen, adult, older, old = (
        unit.population_0_11,
        unit.population_12_17,
        unit.population_18_49,
        unit.population_50_64,
        unit.population_65_plus,
    )
    return {
        "5_11": round(young * 7 / 12) if young is not None else None,
        "12_17": teen,
        "18_plus": adult + older + old if adult is not None and older is not None and old is not None else None,
        "50_plus": older + old if older is not None and old is not None else None,
        "65_plus": old,
        "all": unit.population,
    }


@dataclass
class Cell:
    population: int | None
    first_dose: int = 0
    full_course: int = 0

    @staticmethod
    def _pct(count: int, population: int | None) -> float | None:
        if not population:
            return None
        return round(100 * count / population, 1)

    @property
    def first_dose_pct(self) -> float | None:
        return self._pct(self.first_dose, self.population)

    @property
    def full_course_pct(self) -> float | None:
        return self._pct(self.full_course, self.population)


@dataclass
class CoverageRow:
    unit: AdministrativeUnit
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        depths: dict[str, int] = {Level.PROVINCE: 0, Level.DISTRICT: 1}
        return depths.get(self.unit.level, 2)

    def cell_list(self) -> list[tuple[str, Cell]]:
        return [(key, self.cells[key]) for key, _label in BANDS]


def coverage(user: User, today: dt.date | None = None) -> list[CoverageRow]:
    """One row per unit in the user's scope (its units and all below), in tree order.

    Three queries whatever the population: the account's units, the units with their census figures,
    and one GROUP BY (home commune, age band) of the doses."""
    today = today or timezone.localdate()
    scope = access.unit_scope(user)
    units = list(AdministrativeUnit.objects.filter(scope).order_by("path"))
    if not units:
        return []
    top_paths = access.outermost([unit.path for unit in units])
    # One narrow row per vaccinated person (CoverageEntry, kept in step with the doses): the same counts as
    # grouping the doses themselves, without joining two million doses to the wide person table.
    counted = (
        CoverageEntry.objects.filter(access.units_within(top_paths, prefix="commune__"))
        .annotate(band=_band_expression(today, born="date_of_birth"))
        .order_by()
        .values("commune__path", "band")
        .annotate(
            first=models.Count("pk", filter=models.Q(first_dose=True)),
            full=models.Count("pk", filter=models.Q(full_course=True)),
        )
    )
    rows = [CoverageRow(unit, {key: Cell(pop) for key, pop in denominators(unit).items()}) for unit in units]
    for item in counted:
        path = item["commune__path"]
        for row in rows:
            if not path.startswith(row.unit.path):
                continue
            for key in _PARTS[item["band"]]:
                row.cells[key].first_dose += item["first"]
                row.cells[key].full_course += item["full"]
    return rows


def band_labels() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in BANDS]
