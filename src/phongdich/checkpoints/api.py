"""Checkpoints in the API: /api/v1/checkpoints. Decisions are idempotent by the device's scan uuid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from phongdich.checkpoints import services
from phongdich.checkpoints.models import Pass
from phongdich.core.api import ERRORS, InputSchema, Page, actor, paginate

router = Router(tags=["checkpoints"])

MAX_ID = 2**63 - 1
MAX_BATCH = 500


class DecisionOut(Schema):
    pass_id: int
    uuid: str
    decision: str = Field(..., description="let_through, let_through_notify, test_on_spot or turn_back")
    decision_label: str
    reason: str
    evidence_kind: str
    evidence_label: str
    initials: str
    age: int | None
    from_level: int | None
    destination: str
    task_id: int | None
    plate: str
    overridden: bool
    replayed: bool = Field(..., description="True when this uuid was decided before (a resent scan)")

    @staticmethod
    def of(decision: services.Decision) -> DecisionOut:
        return DecisionOut(**{name: getattr(decision, name) for name in DecisionOut.model_fields})


class ScanIn(InputSchema):
    uuid: str = Field(..., max_length=64, description="The device's id for this scan (UUID)")
    qr: str = Field(..., max_length=4096, description="The text read from the code")
    direction: str = Field("entry", max_length=8, description="entry or exit")
    plate: str = Field("", max_length=20, description="The vehicle's plate, e.g. 14A-123.45 (optional)")
    driver: bool | None = Field(None, description="The scanned person drives the vehicle")
    scanned_at: dt.datetime | None = Field(None, description="When the code was scanned; default now")


class BatchIn(InputSchema):
    items: list[ScanIn] = Field(..., max_length=MAX_BATCH)


class FateOut(Schema):
    index: int
    uuid: str
    status: str = Field(..., description="created, duplicate or rejected")
    decision: DecisionOut | None = None
    errors: list[dict[str, str]] = []


class BatchOut(Schema):
    items: list[FateOut]


class OverrideIn(InputSchema):
    decision: str = Field(..., max_length=20)
    reason: str = Field(..., max_length=300)


class PassOut(Schema):
    id: int
    checkpoint: str
    direction: str
    at: dt.datetime
    decision: str
    decided: str
    reason: str
    evidence_kind: str
    evidence_ref: str
    person: int | None
    initials: str
    age: int | None
    from_level: int | None
    destination: str
    plate: str
    override_reason: str

    @staticmethod
    def of(row: Pass) -> PassOut:
        return PassOut(
            id=row.pk,
            checkpoint=row.checkpoint.code,
            direction=row.direction,
            at=row.at,
            decision=row.decision,
            decided=row.decided,
            reason=row.reason,
            evidence_kind=row.evidence_kind,
            evidence_ref=row.evidence_ref,
            person=row.person_id,
            initials=row.initials,
            age=row.age,
            from_level=row.from_level,
            destination=row.destination.code if row.destination else "",
            plate=row.vehicle.plate if row.vehicle else "",
            override_reason=row.override_reason,
        )


class CheckpointOut(Schema):
    code: str
    name: str
    commune: str
    directions: str
    active: bool


class SummaryOut(Schema):
    checkpoint: str
    day: dt.date
    total: int
    by_decision: dict[str, int]
    by_direction: dict[str, int]
    vehicles: int
    overridden: int


class RuleSetIn(InputSchema):
    name: str = Field(..., max_length=200)
    valid_from: dt.datetime
    rules: list[Any] = Field(..., max_length=50)


class RuleSetOut(Schema):
    version: int
    name: str
    valid_from: dt.datetime
    rules: list[dict[str, Any]]


class PassFilter(Schema):
    checkpoint: str = Field("", max_length=32)
    day: dt.date | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


def _scan(request: HttpRequest, code: str, scan: ScanIn) -> services.Decision:
    checkpoint = services.checkpoint_for_scanning(actor(request), code)
    return services.decide(
        checkpoint,
        scan.qr,
        direction=scan.direction,
        at=scan.scanned_at or timezone.now(),
        actor=actor(request),
        client_uuid=scan.uuid,
        plate=scan.plate,
        driver=scan.driver,
    )


@router.get("", response=list[CheckpointOut])
def list_checkpoints(request: HttpRequest) -> list[CheckpointOut]:
    return [
        CheckpointOut(code=c.code, name=c.name, commune=c.commune.code, directions=c.directions, active=c.active)
        for c in services.checkpoints_for(actor(request))
    ]


@router.post("/{code}/decisions", response={200: DecisionOut, 201: DecisionOut, **ERRORS})
def post_decision(request: HttpRequest, code: str, payload: ScanIn) -> Status[DecisionOut]:
    """Decide one scan. The same uuid sent again answers 200 with the stored decision (nothing new is stored)."""
    decision = _scan(request, code, payload)
    return Status(200 if decision.replayed else 201, DecisionOut.of(decision))


@router.post("/{code}/decisions/batch", response={200: BatchOut, **ERRORS})
def post_batch(request: HttpRequest, code: str, payload: BatchIn) -> BatchOut:
    """Scans queued while offline: each decided on its own (created, duplicate or rejected with the errors)."""
    checkpoint = services.checkpoint_for_scanning(actor(request), code)
    scans = [
        services.ScanInput(
            uuid=item.uuid,
            qr=item.qr,
            direction=item.direction,
            scanned_at=item.scanned_at,
            plate=item.plate,
            driver=item.driver,
        )
        for item in payload.items
    ]
    fates = services.decide_batch(actor(request), checkpoint, scans)
    return BatchOut(
        items=[
            FateOut(
                index=fate["index"],
                uuid=fate["uuid"],
                status=fate["status"],
                decision=DecisionOut.of(fate["decision"]) if fate.get("decision") else None,
                errors=fate.get("errors", []),
            )
            for fate in fates
        ]
    )


@router.post("/passes/{pass_id}/override", response={200: PassOut, **ERRORS})
def post_override(request: HttpRequest, pass_id: int, payload: OverrideIn) -> PassOut:
    row = services.override(actor(request), pass_id, payload.decision, payload.reason)
    return PassOut.of(services.passes_for(actor(request)).get(pk=row.pk))


@router.get("/passes", response={200: Page[PassOut], **ERRORS})
def list_passes(request: HttpRequest, filters: Query[PassFilter]) -> dict[str, Any]:
    rows, meta = paginate(
        services.pass_list(actor(request), filters.checkpoint or None, filters.day), filters.page, filters.page_size
    )
    services.record_list_read(actor(request), rows)
    return {"items": [PassOut.of(row) for row in rows], **meta}


@router.get("/{code}/summary", response={200: SummaryOut, **ERRORS})
def get_summary(request: HttpRequest, code: str, day: dt.date | None = None) -> SummaryOut:
    summary = services.day_summary(actor(request), code, day or timezone.localdate())
    return SummaryOut(
        checkpoint=summary.checkpoint.code,
        day=summary.day,
        total=summary.total,
        by_decision=summary.by_decision,
        by_direction=summary.by_direction,
        vehicles=summary.vehicles,
        overridden=summary.overridden,
    )


@router.post("/rule-sets", response={201: RuleSetOut, **ERRORS})
def post_rule_set(request: HttpRequest, payload: RuleSetIn) -> Status[RuleSetOut]:
    rule_set = services.save_rule_set(actor(request), payload.name, payload.valid_from, payload.rules)
    return Status(
        201,
        RuleSetOut(version=rule_set.version, name=rule_set.name, valid_from=rule_set.valid_from, rules=rule_set.rules),
    )
