"""Read-only helpers the screens need that are not person records: units in scope, aggregate figures.

Person rows are never read here: the figures are counts by unit from ``people.services`` (leaders see
such figures and no rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from phongdich.core import access
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people import services as people

if TYPE_CHECKING:
    from phongdich.accounts.models import User

Choice = tuple[str, str]
GroupedChoices = list[tuple[str, list[Choice]]]


def communes_in_scope(user: User) -> list[AdministrativeUnit]:
    """The communes an account works in: those of its units and of every unit below them."""
    communes = AdministrativeUnit.objects.communes().filter(access.unit_scope(user))
    return list(communes.select_related("parent").order_by("path"))


def commune_choices(user: User) -> GroupedChoices:
    """Communes in scope for a <select>, grouped by district."""
    groups: dict[str, list[Choice]] = {}
    for commune in communes_in_scope(user):
        district = commune.parent.name if commune.parent else ""
        groups.setdefault(district, []).append((commune.code, commune.name))
    return list(groups.items())


def area_choices(user: User) -> GroupedChoices:
    """For search forms: the communes in scope grouped by district, each group led by the whole district when
    the account covers all of it (the lists filter by a unit and everything below it)."""
    groups: dict[str, list[Choice]] = {}
    for commune in communes_in_scope(user):
        district = commune.parent
        name = district.name if district else ""
        if name not in groups:
            groups[name] = []
            if district is not None and access.unit_in_scope(user, district.path):
                groups[name].append((district.code, _("All of %(district)s") % {"district": district.name}))
        groups[name].append((commune.code, commune.name))
    return list(groups.items())


@dataclass
class UnitFigures:
    """A unit's population (census) and how many persons are registered there: numbers, no rows."""

    unit: AdministrativeUnit
    registered: int
    parts: list[UnitFigures] = field(default_factory=list)


def unit_figures(user: User) -> list[UnitFigures]:
    """For each assigned unit: its total, and the same for the units one level below it."""
    units = user.assigned_units()
    if not units and user.is_superuser:
        units = list(AdministrativeUnit.objects.provinces())
    figures = []
    for unit in sorted(units, key=lambda u: u.path):
        counts = people.count_registered_by_commune(unit)
        by_prefix: dict[str, int] = defaultdict(int)
        children = list(unit.children.order_by("path")) if unit.level != Level.COMMUNE else []
        for path, n in counts.items():
            for child in children:
                if path.startswith(child.path):
                    by_prefix[child.path] += n
        parts = [UnitFigures(child, by_prefix[child.path]) for child in children]
        figures.append(UnitFigures(unit, sum(counts.values()), parts))
    return figures


@dataclass
class DistrictNode:
    unit: AdministrativeUnit
    communes: list[AdministrativeUnit] = field(default_factory=list)


@dataclass
class ProvinceNode:
    unit: AdministrativeUnit
    districts: list[DistrictNode] = field(default_factory=list)


def unit_tree() -> list[ProvinceNode]:
    """Every province › district › commune, in code order (reference data: the same for everyone)."""
    provinces: dict[int, ProvinceNode] = {}
    districts: dict[int, DistrictNode] = {}
    for unit in AdministrativeUnit.objects.order_by("path"):
        if unit.level == Level.PROVINCE:
            provinces[unit.pk] = ProvinceNode(unit)
        elif unit.level == Level.DISTRICT and unit.parent_id in provinces:
            districts[unit.pk] = DistrictNode(unit)
            provinces[unit.parent_id].districts.append(districts[unit.pk])
        elif unit.level == Level.COMMUNE and unit.parent_id in districts:
            districts[unit.parent_id].communes.append(unit)
    return list(provinces.values())
