"""The leaders' dashboard: a unit's situation from the daily figures, never from raw personal rows.

:func:`situation` reads, for the unit shown and the units one level below it: ``CommuneDayStat`` (the last
14 days per commune, the curve, the running totals of doses), and a few small grouped queries of current
state (active cases by clinical status, F1s in quarantine, facility beds), the published levels (levels
app) and the daily reporting status (reports app, when installed). Everything is counts per unit.

Rt: Cori's method (``situation.rt``, EpiEstim's ``estimate_R``) on the unit's cases by confirmation day, up
to yesterday (today is still being reported), shown for windows holding at least 12 cases.
EpiEstim's "local" cases are the locally infected ones: cases detected in the community, in quarantine
and in locked-down areas (all infected inside the province); "imported" are the cases imported from
another province or from abroad. The estimate is cached by the incidence it was computed from, so it is
computed again only when a day's figures change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import models
from django.utils import timezone

from phongdich.accounts.roles import AGGREGATE_ONLY_ROLES, Role
from phongdich.core import access
from phongdich.core.errors import NotFound
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.situation import projection, rt
from phongdich.situation.models import CASE_COUNTERS, COUNTERS, CommuneDayStat, CommuneTotal

# Roles that follow the situation of their jurisdiction on the dashboard.
DASHBOARD_ROLES = frozenset(
    {Role.PROVINCE_ADMIN, Role.EPIDEMIOLOGIST, Role.DISTRICT_OFFICER, Role.COMMUNE_OFFICER, Role.LEADER}
)
CURVE_DAYS = 90  # days of the epidemic curve (and of the Rt series)
PROJECTION_DAYS = 14
RT_WINDOW = 7
# Windows with fewer cases are not shown: their estimate is mostly the prior (Cori et al. 2013, web appendix 1:
# about 12 cases in a window give a posterior coefficient of variation under 0.3).
MIN_CASES_FOR_RT = 12
GROUPS = ("community", "in_quarantine", "in_lockdown", "imported")
CLINICAL = ("asymptomatic", "mild", "moderate", "severe", "critical")


def may_view(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.role in DASHBOARD_ROLES)


def shows_rows(user: Any) -> bool:
    """Whether numbers may link to lists of personal records (leaders see aggregates only)."""
    return bool(user.is_superuser or user.role not in AGGREGATE_ONLY_ROLES)


def home_unit(user: Any) -> AdministrativeUnit:
    """The unit a viewer's dashboard opens on: their outermost assigned unit (the province for a superuser)."""
    paths = access.outermost(user.unit_paths())
    queryset = AdministrativeUnit.objects.defer("boundary")
    unit = queryset.filter(path=paths[0]).first() if paths else None
    if unit is None and user.is_superuser:
        unit = queryset.filter(level=Level.PROVINCE).first()
    if unit is None:
        raise NotFound()
    return unit


def unit_for(user: Any, code: str | None) -> AdministrativeUnit:
    """The unit asked for (``?unit=<code>``), if the viewer may see it; NotFound otherwise."""
    if not may_view(user):
        raise NotFound()
    if not code:
        return home_unit(user)
    unit = AdministrativeUnit.objects.defer("boundary").filter(code=str(code)[:10]).first()
    if unit is None or not access.unit_in_scope(user, unit.path):
        raise NotFound()
    return unit


# --- Figures -----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """One unit's figures (the unit shown, or a row of the table below it)."""

    unit: AdministrativeUnit
    level: int | None = None
    today: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    week: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    previous_week: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    active: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLINICAL, 0))
    f1_in_quarantine: int = 0
    in_quarantine: int = 0
    beds: int = 0
    beds_occupied: int = 0
    first_dose_people: int = 0
    full_course_people: int = 0
    deaths_total: int = 0
    cases_total: int = 0

    @property
    def cases_today(self) -> int:
        return sum(self.today[name] for name in CASE_COUNTERS)

    @property
    def cases_week(self) -> int:
        return sum(self.week[name] for name in CASE_COUNTERS)

    @property
    def cases_previous_week(self) -> int:
        return sum(self.previous_week[name] for name in CASE_COUNTERS)

    @property
    def active_total(self) -> int:
        return sum(self.active.values())

    @property
    def community_per_100k(self) -> float | None:
        """Community cases in the last 7 days per 100,000 people (the levels' criterion 1)."""
        if not self.unit.population:
            return None
        return round(100_000 * self.week["cases_community"] / self.unit.population, 1)

    @property
    def cases_per_100k(self) -> float | None:
        if not self.unit.population:
            return None
        return round(100_000 * self.cases_week / self.unit.population, 1)

    @property
    def positivity(self) -> float | None:
        """Share of the last 7 days' tests that were positive, in per cent."""
        if not self.week["tests"]:
            return None
        return round(100 * self.week["positives"] / self.week["tests"], 1)

    @property
    def occupancy(self) -> float | None:
        if not self.beds:
            return None
        return round(100 * self.beds_occupied / self.beds, 1)

    @property
    def full_course_pct(self) -> float | None:
        if not self.unit.population:
            return None
        return round(100 * self.full_course_people / self.unit.population, 1)

    @property
    def first_dose_pct(self) -> float | None:
        if not self.unit.population:
            return None
        return round(100 * self.first_dose_people / self.unit.population, 1)

    def add(self, other: Figures) -> None:
        for mine, theirs in (
            (self.today, other.today),
            (self.week, other.week),
            (self.previous_week, other.previous_week),
            (self.active, other.active),
        ):
            for key, value in theirs.items():
                mine[key] += value
        for name in (
            "f1_in_quarantine",
            "in_quarantine",
            "beds",
            "beds_occupied",
            "first_dose_people",
            "full_course_people",
            "deaths_total",
            "cases_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class CurveDay:
    day: dt.date
    report: dict[str, int]
    onset: dict[str, int]


@dataclass
class RtPoint:
    day: dt.date  # the last day of the window
    mean: float
    low: float
    high: float


@dataclass
class ProjectionPoint:
    day: dt.date
    expected: float
    low: float
    high: float


@dataclass
class Situation:
    unit: AdministrativeUnit
    today: dt.date
    figures: Figures
    parts: list[Figures]
    curve: list[CurveDay]
    levels_count: dict[int, int]
    rt: list[RtPoint]
    projection: list[ProjectionPoint]
    reporting: dict[str, Any] | None
    breadcrumbs: list[AdministrativeUnit]

    @property
    def latest_rt(self) -> RtPoint | None:
        return self.rt[-1] if self.rt else None


def _units_below(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    return list(
        AdministrativeUnit.objects.defer("boundary")
        .filter(path__startswith=unit.path)
        .exclude(pk=unit.pk)
        .order_by("path")
    )


def _current_levels() -> dict[int, int]:
    try:
        from phongdich.levels.services import current_levels
    except ImportError:
        return {}
    return current_levels()


def _reporting(user: Any, day: dt.date) -> dict[str, Any] | None:
    try:
        from phongdich.reports.services import reporting_status
    except ImportError:
        return None
    status: dict[str, Any] = reporting_status(user, day)
    return status


def situation(user: Any, unit: AdministrativeUnit, today: dt.date | None = None) -> Situation:
    """The figures of ``unit`` (already checked to be in the viewer's scope) and of the units below it."""
    from phongdich.cases.models import Case, CaseStatus
    from phongdich.quarantine.models import (
        FacilityAdmission,
        FacilityBed,
        FacilityStatus,
        OrderReason,
        OrderStatus,
        QuarantineOrder,
    )

    today = today or timezone.localdate()
    below = _units_below(unit)
    communes = [u for u in below if u.level == Level.COMMUNE] or ([unit] if unit.level == Level.COMMUNE else [])
    commune_ids = [c.pk for c in communes]
    by_commune: dict[int, Figures] = {c.pk: Figures(c) for c in communes}
    week_start = today - dt.timedelta(days=6)
    previous_start = today - dt.timedelta(days=13)

    recent = CommuneDayStat.objects.filter(commune_id__in=commune_ids, day__gte=previous_start, day__lte=today)
    for row in recent.values("commune_id", "day", *COUNTERS):
        figures = by_commune[row["commune_id"]]
        target = figures.week if row["day"] >= week_start else figures.previous_week
        for name in COUNTERS:
            target[name] += row[name]
            if row["day"] == today:
                figures.today[name] += row[name]
    for running in CommuneTotal.objects.filter(commune_id__in=commune_ids):
        figures = by_commune[running.commune_id]
        figures.first_dose_people = running.first_doses
        figures.full_course_people = running.full_courses
        figures.deaths_total = running.deaths
        figures.cases_total = running.cases
    active = (
        Case.objects.filter(commune_id__in=commune_ids, status=CaseStatus.ACTIVE)
        .values("commune_id", "clinical_status")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for row in active:
        by_commune[row["commune_id"]].active[row["clinical_status"]] = row["n"]
    orders = (
        QuarantineOrder.objects.filter(commune_id__in=commune_ids, status=OrderStatus.ACTIVE)
        .values("commune_id")
        .annotate(n=models.Count("pk"), f1=models.Count("pk", filter=models.Q(reason=OrderReason.F1_OF_CASE)))
        .order_by()
    )
    for row in orders:
        by_commune[row["commune_id"]].in_quarantine = row["n"]
        by_commune[row["commune_id"]].f1_in_quarantine = row["f1"]
    beds = (
        FacilityBed.objects.filter(
            facility__commune_id__in=commune_ids, in_service=True, facility__status=FacilityStatus.OPEN
        )
        .values("facility__commune_id")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for row in beds:
        by_commune[row["facility__commune_id"]].beds = row["n"]
    occupied = (
        FacilityAdmission.objects.filter(facility__commune_id__in=commune_ids, discharged_at__isnull=True)
        .values("facility__commune_id")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for row in occupied:
        by_commune[row["facility__commune_id"]].beds_occupied = row["n"]

    levels = _current_levels()
    for figures in by_commune.values():
        figures.level = levels.get(figures.unit.pk)
    levels_count = {level: 0 for level in (1, 2, 3, 4)}
    for commune in communes:
        level = levels.get(commune.pk)
        if level in levels_count:
            levels_count[level] += 1

    # The unit itself and the units one level below it (districts of a province, communes of a district).
    total = Figures(unit, level=levels.get(unit.pk))
    parts: dict[int, Figures] = {}
    children = [u for u in below if u.parent_id == unit.pk]
    for child in children:
        parts[child.pk] = Figures(child, level=levels.get(child.pk))
    child_of_path = [(child.path, parts[child.pk]) for child in children]
    for figures in by_commune.values():
        total.add(figures)
        for path, part in child_of_path:
            if figures.unit.path.startswith(path):
                part.add(figures)
                break

    curve = _curve(commune_ids, today)
    rt, projection = _rt(unit, curve, today)
    return Situation(
        unit=unit,
        today=today,
        figures=total,
        parts=[parts[child.pk] for child in children],
        curve=curve,
        levels_count=levels_count,
        rt=rt,
        projection=projection,
        reporting=_reporting(user, today),
        breadcrumbs=_breadcrumbs(user, unit),
    )


def _breadcrumbs(user: Any, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The units above ``unit`` that the viewer may open, outermost first."""
    codes = [code for code in unit.path.strip("/").split("/")[:-1] if code]
    above = AdministrativeUnit.objects.defer("boundary").filter(code__in=codes).order_by("path")
    return [u for u in above if access.unit_in_scope(user, u.path)]


def _curve(commune_ids: Sequence[int], today: dt.date) -> list[CurveDay]:
    first = today - dt.timedelta(days=CURVE_DAYS - 1)
    names = [f"cases_{g}" for g in GROUPS] + [f"onset_{g}" for g in GROUPS]
    rows = {
        row["day"]: row
        for row in CommuneDayStat.objects.filter(commune_id__in=commune_ids, day__gte=first, day__lte=today)
        .values("day")
        .annotate(**{f"sum_{name}": models.Sum(name) for name in names})
        .order_by()
    }
    days = []
    for offset in range(CURVE_DAYS):
        day = first + dt.timedelta(days=offset)
        row = rows.get(day, {})
        days.append(
            CurveDay(
                day,
                report={g: int(row.get(f"sum_cases_{g}") or 0) for g in GROUPS},
                onset={g: int(row.get(f"sum_onset_{g}") or 0) for g in GROUPS},
            )
        )
    # Start the curve at the first day with a case (an empty quarter helps nobody), keeping four weeks at least.
    start = next((i for i, d in enumerate(days) if any(d.report.values()) or any(d.onset.values())), len(days))
    return days[min(start, len(days) - 28) :]


def local_and_imported(curve: Sequence[CurveDay]) -> tuple[list[float], list[float]]:
    """EpiEstim's two series from the curve by report day: locally infected, and imported."""
    local = [float(d.report["community"] + d.report["in_quarantine"] + d.report["in_lockdown"]) for d in curve]
    imported = [float(d.report["imported"]) for d in curve]
    return local, imported


def _rt(
    unit: AdministrativeUnit, curve: Sequence[CurveDay], today: dt.date
) -> tuple[list[RtPoint], list[ProjectionPoint]]:
    # Today is still being reported: its low count would pull the last window down. Rt ends yesterday and the
    # projection starts today.
    curve = [day for day in curve if day.day < today]
    local, imported = local_and_imported(curve)
    if not curve or sum(local) + sum(imported) == 0:
        return [], []
    digest = hashlib.sha256(repr((curve[0].day, local, imported)).encode()).hexdigest()[:32]
    key = f"situation:rt:{unit.pk}:{today.isoformat()}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        rt_points, projection_points = cached
        return list(rt_points), list(projection_points)
    result = compute_rt(local, imported, curve[0].day)
    cache.set(key, result, 24 * 3600)
    return result


def compute_rt(
    local: Sequence[float], imported: Sequence[float], first_day: dt.date
) -> tuple[list[RtPoint], list[ProjectionPoint]]:
    """Rt by window (posterior mean and 95 % credible interval) and the 14-day projection at the last Rt."""
    dates = [first_day + dt.timedelta(days=offset) for offset in range(len(local))]
    si_distr = rt.default_serial_interval(t_max=max(len(dates) - 1, 1))
    windows = rt.estimate_r_for_series(dates, local, imported, si_distr, window=RT_WINDOW)
    total = [a + b for a, b in zip(local, imported, strict=True)]
    points = [
        RtPoint(window.end_date or dates[window.t_end - 1], window.mean, window.q025, window.q975)
        for window in windows
        if window.has_estimate
        and not math.isnan(window.q025)
        and not math.isnan(window.q975)
        and sum(total[window.t_start - 1 : window.t_end]) >= MIN_CASES_FOR_RT
    ]
    forecast: list[ProjectionPoint] = []
    if points:
        last = points[-1]
        projected = projection.project(
            local, imported, si_distr, last.mean, days=PROJECTION_DAYS, r_low=last.low, r_high=last.high
        )
        low = projected.low or projected.expected
        high = projected.high or projected.expected
        start = dates[-1] + dt.timedelta(days=1)
        forecast = [
            ProjectionPoint(start + dt.timedelta(days=index), expected, low[index], high[index])
            for index, expected in enumerate(projected.expected)
        ]
    return points, forecast
