"""The situation in the API: /api/v1/situation (figures per unit, never personal rows). Thin over services."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from phongdich.core.api import ERRORS, actor
from phongdich.situation import services
from phongdich.situation.models import COUNTERS

router = Router(tags=["situation"])

UNIT_QUERY = Query("", max_length=10, description="Official code of a unit in your scope; empty: your own unit")


class UnitRef(Schema):
    code: str
    name: str
    level: str


class FiguresOut(Schema):
    unit: UnitRef
    epidemic_level: int | None
    population: int | None
    today: dict[str, int]
    last_7_days: dict[str, int]
    previous_7_days: dict[str, int]
    new_cases_today: int
    new_cases_7d: int
    community_cases_7d_per_100k: float | None
    active_cases: dict[str, int]
    active_cases_total: int
    f1_in_quarantine: int
    in_quarantine: int
    facility_beds: int
    facility_beds_occupied: int
    positivity_7d_pct: float | None
    first_dose_people: int
    full_course_people: int
    full_course_pct: float | None
    deaths_total: int

    @staticmethod
    def of(figures: services.Figures) -> FiguresOut:
        unit = figures.unit
        return FiguresOut(
            unit=UnitRef(code=unit.code, name=unit.name, level=unit.level),
            epidemic_level=figures.level,
            population=unit.population,
            today=figures.today,
            last_7_days=figures.week,
            previous_7_days=figures.previous_week,
            new_cases_today=figures.cases_today,
            new_cases_7d=figures.cases_week,
            community_cases_7d_per_100k=figures.community_per_100k,
            active_cases=figures.active,
            active_cases_total=figures.active_total,
            f1_in_quarantine=figures.f1_in_quarantine,
            in_quarantine=figures.in_quarantine,
            facility_beds=figures.beds,
            facility_beds_occupied=figures.beds_occupied,
            positivity_7d_pct=figures.positivity,
            first_dose_people=figures.first_dose_people,
            full_course_people=figures.full_course_people,
            full_course_pct=figures.full_course_pct,
            deaths_total=figures.deaths_total,
        )


class SummaryOut(Schema):
    day: dt.date
    counters: list[str]
    figures: FiguresOut
    communes_per_level: dict[int, int]
    parts: list[FiguresOut]


class CurvePoint(Schema):
    day: dt.date
    community: int
    in_quarantine: int
    in_lockdown: int
    imported: int


class CurveOut(Schema):
    unit: UnitRef
    by: str
    days: list[CurvePoint]


class RtPointOut(Schema):
    day: dt.date
    mean: float
    q025: float
    q975: float


class ProjectionOut(Schema):
    day: dt.date
    expected: float
    low: float
    high: float


class RtOut(Schema):
    unit: UnitRef
    method: str
    window_days: int
    rt: list[RtPointOut]
    projection: list[ProjectionOut]


def _unit_ref(situation: services.Situation) -> UnitRef:
    unit = situation.unit
    return UnitRef(code=unit.code, name=unit.name, level=unit.level)


def _situation(request: HttpRequest, unit: str) -> services.Situation:
    user = actor(request)
    return services.situation(user, services.unit_for(user, unit))


@router.get("/summary", url_name="situation_summary", response={200: SummaryOut, **ERRORS}, summary="A unit's figures")
def summary(request: HttpRequest, unit: str = UNIT_QUERY) -> SummaryOut:
    situation = _situation(request, unit)
    return SummaryOut(
        day=situation.today,
        counters=list(COUNTERS),
        figures=FiguresOut.of(situation.figures),
        communes_per_level=situation.levels_count,
        parts=[FiguresOut.of(part) for part in situation.parts],
    )


@router.get("/curve", url_name="situation_curve", response={200: CurveOut, **ERRORS}, summary="Epidemic curve")
def curve(request: HttpRequest, unit: str = UNIT_QUERY, by: Literal["onset", "report"] = "report") -> CurveOut:
    situation = _situation(request, unit)
    days = []
    for day in situation.curve:
        counts = day.onset if by == "onset" else day.report
        days.append(CurvePoint(day=day.day, **counts))
    return CurveOut(unit=_unit_ref(situation), by=by, days=days)


@router.get("/rt", url_name="situation_rt", response={200: RtOut, **ERRORS}, summary="Rt and the 14-day projection")
def rt(request: HttpRequest, unit: str = UNIT_QUERY) -> RtOut:
    situation = _situation(request, unit)
    return RtOut(
        unit=_unit_ref(situation),
        method="Cori et al. 2013 (EpiEstim), cases by confirmation day; local = community + quarantine + lockdown",
        window_days=services.RT_WINDOW,
        rt=[RtPointOut(day=p.day, mean=p.mean, q025=p.low, q975=p.high) for p in situation.rt],
        projection=[
            ProjectionOut(day=p.day, expected=p.expected, low=p.low, high=p.high) for p in situation.projection
        ],
    )
