"""/api/v1/levels/...: levels in effect and results, assessing, the publication workflow, rule sets, capacity.

Handlers are thin; levels.services decides scope, validity, history and audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, actor
from phongdich.levels import services
from phongdich.levels.models import LEVEL_COLORS, Assessment, LevelRuleSet, UnitCapacity

router = Router(tags=["levels"])

MAX_ID = 2**63 - 1


# --- Schemas --------------------------------------------------------------------------------------------------


class AssessmentOut(Schema):
    id: int
    unit: str
    unit_name: str
    level: int
    color: str
    band: int
    coverage_met: bool
    capacity_met: bool
    status: str
    assessed_at: dt.datetime
    effective_at: dt.datetime | None
    rule_set: int
    explanation: str
    rejection_reason: str
    inputs: dict[str, Any]

    @staticmethod
    def of(assessment: Assessment) -> AssessmentOut:
        return AssessmentOut(
            id=assessment.pk,
            unit=assessment.unit.code,
            unit_name=assessment.unit.name,
            level=assessment.level,
            color=assessment.color,
            band=assessment.band,
            coverage_met=assessment.coverage_met,
            capacity_met=assessment.capacity_met,
            status=assessment.status,
            assessed_at=assessment.assessed_at,
            effective_at=assessment.effective_at,
            rule_set=assessment.rule_set_id,
            explanation=assessment.explanation,
            rejection_reason=assessment.rejection_reason,
            inputs=assessment.inputs,
        )


class UnitLevelOut(Schema):
    unit: str
    name: str
    level: str
    published_level: int | None
    color: str | None
    effective_at: dt.datetime | None
    latest: AssessmentOut | None


class AssessIn(InputSchema):
    unit: str | None = Field(None, max_length=10, description="One unit's code; none: every unit of the province")
    at: dt.datetime | None = Field(None, description="Figures as of this time (default now)")


class PublishIn(InputSchema):
    effective_at: dt.datetime | None = Field(None, description="Default now; raising a level needs 48 h from approval")


class RejectIn(InputSchema):
    reason: str = Field(..., max_length=500)


class BandIn(InputSchema):
    band: int = Field(..., ge=1, le=4)
    lower: float = Field(..., ge=0, le=1e9)
    upper: float | None = Field(None, ge=0, le=1e9)


class ConditionIn(InputSchema):
    age_from: int = Field(..., ge=0, le=150)
    age_to: int | None = Field(None, ge=0, le=150)
    measure: str = Field(..., max_length=20, description="first_dose or full_course")
    min_share: float = Field(..., description="0 to 1")


class CombinationIn(InputSchema):
    met: int = Field(..., description="Level when coverage is met")
    not_met: int = Field(..., description="Level when it is not")


class RuleSetIn(InputSchema):
    name: str = Field(..., max_length=200)
    valid_from: dt.date
    notes: str = Field("", max_length=5000)
    source_note: str = Field("", max_length=5000)
    window_days: int = Field(7, ge=1, le=28)
    per_population: int = Field(100_000, ge=1, le=10_000_000)
    count_severe_and_deaths: bool = False
    capacity_raises_level: bool = True
    bands: list[BandIn] = Field(..., max_length=10)
    coverage_conditions: list[ConditionIn] = Field(..., max_length=10)
    combination: dict[str, CombinationIn] = Field(
        ..., description='Band -> levels, e.g. {"1": {"met": 1, "not_met": 2}}'
    )
    measures: dict[str, dict[str, str]] | None = Field(
        None, description='Venue kind -> level -> open|restricted|closed, e.g. {"hotel": {"4": "closed"}}'
    )

    def to_input(self) -> services.RuleSetInput:
        return services.RuleSetInput(
            name=self.name,
            valid_from=self.valid_from,
            notes=self.notes,
            source_note=self.source_note,
            window_days=self.window_days,
            per_population=self.per_population,
            count_severe_and_deaths=self.count_severe_and_deaths,
            capacity_raises_level=self.capacity_raises_level,
            bands=[band.model_dump() for band in self.bands],
            coverage_conditions=[condition.model_dump() for condition in self.coverage_conditions],
            combination={key: value.model_dump() for key, value in self.combination.items()},
            measures=self.measures,
        )


class RuleSetOut(Schema):
    id: int
    name: str
    version: int
    valid_from: dt.date
    current: bool
    replaced_by: int | None
    notes: str
    source_note: str
    window_days: int
    per_population: int
    count_severe_and_deaths: bool
    capacity_raises_level: bool
    bands: list[dict[str, Any]]
    coverage_conditions: list[dict[str, Any]]
    combination: dict[str, Any]
    measures: dict[str, dict[str, str]]

    @staticmethod
    def of(rule_set: LevelRuleSet) -> RuleSetOut:
        return RuleSetOut(
            id=rule_set.pk,
            name=rule_set.name,
            version=rule_set.version,
            valid_from=rule_set.valid_from,
            current=rule_set.replaced_by_id is None,
            replaced_by=rule_set.replaced_by_id,
            notes=rule_set.notes,
            source_note=rule_set.source_note,
            window_days=rule_set.window_days,
            per_population=rule_set.per_population,
            count_severe_and_deaths=rule_set.count_severe_and_deaths,
            capacity_raises_level=rule_set.capacity_raises_level,
            bands=rule_set.bands,
            coverage_conditions=rule_set.coverage_conditions,
            combination=rule_set.combination,
            measures=services.measures_of(rule_set),
        )


class CapacityIn(InputSchema):
    unit: str = Field(..., max_length=10)
    capacity_met: bool
    treatment_beds: int | None = Field(None, ge=0, le=10_000_000)
    free_beds: int | None = Field(None, ge=0, le=10_000_000)
    icu_beds: int | None = Field(None, ge=0, le=10_000_000)
    home_care_capacity: int | None = Field(None, ge=0, le=10_000_000)
    note: str = Field("", max_length=500)


class CapacityOut(Schema):
    id: int
    unit: str
    capacity_met: bool
    treatment_beds: int | None
    free_beds: int | None
    icu_beds: int | None
    home_care_capacity: int | None
    note: str
    declared_at: dt.datetime

    @staticmethod
    def of(declaration: UnitCapacity) -> CapacityOut:
        return CapacityOut(
            id=declaration.pk,
            unit=declaration.unit.code,
            capacity_met=declaration.capacity_met,
            treatment_beds=declaration.treatment_beds,
            free_beds=declaration.free_beds,
            icu_beds=declaration.icu_beds,
            home_care_capacity=declaration.home_care_capacity,
            note=declaration.note,
            declared_at=declaration.declared_at,
        )


# --- Levels and results ---------------------------------------------------------------------------------------


@router.get(
    "", response={200: list[UnitLevelOut], **ERRORS}, summary="Every unit of your area: published level, newest result"
)
def list_levels(request: HttpRequest) -> list[UnitLevelOut]:
    rows = services.unit_rows(actor(request))
    return [
        UnitLevelOut(
            unit=row.unit.code,
            name=row.unit.name,
            level=row.unit.level,
            published_level=row.published.level if row.published else None,
            color=LEVEL_COLORS[row.published.level] if row.published else None,
            effective_at=row.published.effective_at if row.published else None,
            latest=AssessmentOut.of(row.latest) if row.latest else None,
        )
        for row in rows
    ]


@router.get(
    "/units/{code}", response={200: list[AssessmentOut], **ERRORS}, summary="A unit's published levels, newest first"
)
def unit_history(request: HttpRequest, code: str) -> list[AssessmentOut]:
    _unit, published, _recent = services.unit_history(actor(request), code[:10])
    return [AssessmentOut.of(item) for item in published]


@router.post("/assess", response={201: list[AssessmentOut], **ERRORS}, summary="Assess now (every unit, or one)")
def assess(request: HttpRequest, payload: AssessIn) -> Status[list[AssessmentOut]]:
    user = actor(request)
    if payload.unit:
        results = [services.assess_unit(user, payload.unit, payload.at)]
    else:
        results = services.assess_all(user, payload.at)
    return Status(201, [AssessmentOut.of(item) for item in results])


@router.post(
    "/assessments/{int:assessment_id}/propose", response={200: AssessmentOut, **ERRORS}, summary="Propose (district)"
)
def propose(request: HttpRequest, assessment_id: int) -> AssessmentOut:
    return AssessmentOut.of(services.propose(actor(request), assessment_id))


@router.post(
    "/assessments/{int:assessment_id}/approve", response={200: AssessmentOut, **ERRORS}, summary="Approve (province)"
)
def approve(request: HttpRequest, assessment_id: int) -> AssessmentOut:
    return AssessmentOut.of(services.approve(actor(request), assessment_id))


@router.post(
    "/assessments/{int:assessment_id}/reject", response={200: AssessmentOut, **ERRORS}, summary="Reject with a reason"
)
def reject(request: HttpRequest, assessment_id: int, payload: RejectIn) -> AssessmentOut:
    return AssessmentOut.of(services.reject(actor(request), assessment_id, payload.reason))


@router.post(
    "/assessments/{int:assessment_id}/publish", response={200: AssessmentOut, **ERRORS}, summary="Publish (province)"
)
def publish(request: HttpRequest, assessment_id: int, payload: PublishIn) -> AssessmentOut:
    return AssessmentOut.of(services.publish(actor(request), assessment_id, payload.effective_at))


# --- Rule sets ------------------------------------------------------------------------------------------------


@router.get("/rule-sets", response={200: list[RuleSetOut], **ERRORS}, summary="Rule sets, every version")
def list_rule_sets(request: HttpRequest) -> list[RuleSetOut]:
    return [RuleSetOut.of(item) for item in services.rule_sets(actor(request)).prefetch_related("measures")]


@router.get("/rule-sets/{int:rule_set_id}", response={200: RuleSetOut, **ERRORS}, summary="One rule set")
def get_rule_set(request: HttpRequest, rule_set_id: int) -> RuleSetOut:
    return RuleSetOut.of(services.get_rule_set(actor(request), rule_set_id))


@router.post("/rule-sets", response={201: RuleSetOut, **ERRORS}, summary="A new rule set (province)")
def create_rule_set(request: HttpRequest, payload: RuleSetIn) -> Status[RuleSetOut]:
    return Status(201, RuleSetOut.of(services.create_rule_set(actor(request), payload.to_input())))


@router.put(
    "/rule-sets/{int:rule_set_id}", response={200: RuleSetOut, **ERRORS}, summary="Edit (a used one: a new version)"
)
def update_rule_set(request: HttpRequest, rule_set_id: int, payload: RuleSetIn) -> RuleSetOut:
    return RuleSetOut.of(services.update_rule_set(actor(request), rule_set_id, payload.to_input()))


# --- Capacity -------------------------------------------------------------------------------------------------


@router.post("/capacity", response={201: CapacityOut, **ERRORS}, summary="Declare your unit's treatment capacity")
def declare_capacity(request: HttpRequest, payload: CapacityIn) -> Status[CapacityOut]:
    data = services.CapacityInput(**payload.model_dump())
    return Status(201, CapacityOut.of(services.declare_capacity(actor(request), data)))


@router.get(
    "/capacity/{code}", response={200: list[CapacityOut], **ERRORS}, summary="A unit's declarations, newest first"
)
def capacity_history(request: HttpRequest, code: str) -> list[CapacityOut]:
    return [CapacityOut.of(item) for item in services.capacity_history(actor(request), code[:10])]
