"""/api/v1/lockdown-zones: list, create, read, change and end lockdown zones.

Handlers are thin; lockdown.services decides scope, validity and audit. A zone outside the caller's scope
answers 404; a commune outside it reads as an unknown commune (422 naming ``units``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, actor
from phongdich.core.errors import NotFound
from phongdich.lockdown import services
from phongdich.lockdown.models import LockdownZone

router = Router(tags=["lockdown"])

MAX_ID = 2**63 - 1


class ZoneIn(InputSchema):
    name: str = Field(max_length=200)
    reason: str = Field("", max_length=2000)
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    units: list[str] = Field(default_factory=list, max_length=500, description="Commune codes locked down whole")
    area: dict[str, Any] | None = Field(
        None, description="Drawn area: a GeoJSON Polygon or MultiPolygon (lon/lat, closed rings, ≤ 2,000 positions)"
    )


class ZoneEndIn(InputSchema):
    ends_at: dt.datetime | None = Field(None, description="Default: now")


class ZoneOut(Schema):
    id: int
    name: str
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    active: bool
    units: list[str]
    covered: list[str]
    area: dict[str, Any] | None
    jurisdiction: str
    residents: int
    cases: int
    cases_marked: int

    @staticmethod
    def of(zone: LockdownZone) -> ZoneOut:
        figures = services.zone_figures(zone)
        return ZoneOut(
            id=zone.pk,
            name=zone.name,
            reason=zone.reason,
            starts_at=zone.starts_at,
            ends_at=zone.ends_at,
            active=zone.is_active(),
            units=sorted(unit.code for unit in zone.units.all()),
            covered=sorted(unit.code for unit in zone.covered.all()),
            area=zone.area,
            jurisdiction=zone.jurisdiction.code,
            residents=figures.residents,
            cases=figures.cases,
            cases_marked=figures.cases_marked,
        )


def _input(payload: ZoneIn) -> services.ZoneInput:
    return services.ZoneInput(
        name=payload.name,
        reason=payload.reason,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        units=payload.units,
        area=payload.area,
    )


def _visible(request: HttpRequest, zone_id: int) -> LockdownZone:
    if not 0 < zone_id <= MAX_ID:
        raise NotFound()
    zone = services.visible_zones(actor(request)).filter(pk=zone_id).first()
    if zone is None:
        raise NotFound()
    return zone


@router.get("", response={200: list[ZoneOut], **ERRORS}, summary="Lockdown zones you may see")
def list_zones(
    request: HttpRequest, active: bool | None = Query(None, description="Only zones in force now (or not)")
) -> list[ZoneOut]:
    zones = services.visible_zones(actor(request)).select_related("jurisdiction").order_by("-starts_at")
    if active is not None:
        in_force = services.active_zones(timezone.now()).values("pk")
        zones = zones.filter(pk__in=in_force) if active else zones.exclude(pk__in=in_force)
    return [ZoneOut.of(zone) for zone in zones[:500]]


@router.post("", response={201: ZoneOut, **ERRORS}, summary="Create a lockdown zone")
def create_zone(request: HttpRequest, payload: ZoneIn) -> Status[ZoneOut]:
    """Community cases already confirmed among the zone's residents during its period are marked at once."""
    zone = services.create_zone(actor(request), _input(payload))
    return Status(201, ZoneOut.of(zone))


@router.get("/{int:zone_id}", response={200: ZoneOut, **ERRORS}, summary="One lockdown zone")
def get_zone(request: HttpRequest, zone_id: int) -> ZoneOut:
    return ZoneOut.of(_visible(request, zone_id))


@router.put("/{int:zone_id}", response={200: ZoneOut, **ERRORS}, summary="Change a lockdown zone")
def update_zone(request: HttpRequest, zone_id: int, payload: ZoneIn) -> ZoneOut:
    if not 0 < zone_id <= MAX_ID:
        raise NotFound()
    return ZoneOut.of(services.update_zone(actor(request), zone_id, _input(payload)))


@router.post("/{int:zone_id}/end", response={200: ZoneOut, **ERRORS}, summary="End a lockdown zone")
def end_zone(request: HttpRequest, zone_id: int, payload: ZoneEndIn) -> ZoneOut:
    if not 0 < zone_id <= MAX_ID:
        raise NotFound()
    return ZoneOut.of(services.end_zone(actor(request), zone_id, payload.ends_at))
