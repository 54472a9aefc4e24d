"""Lockdown zones: creating, changing and ending them, who lives in one, and marking the cases found there.

A zone covers the communes picked whole plus the communes whose representative point lies inside the drawn
area (people have no coordinates, only a home commune; see ``models``). A person lives in an active zone when
their home commune is covered by a zone in force at that moment. A community case whose person lives in an
active zone when it is confirmed is marked ``detected_in = in_lockdown_area`` (``cases.services.
mark_detected_in_lockdown``), so the levels' criterion 1 leaves it out; a zone created after the fact marks the
community cases already confirmed in its communes during its period. Ending or editing a zone never unmarks a
case: the marking records where the case was found at the time.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.cases.models import Case, CaseStatus, DetectedIn
from phongdich.core import access
from phongdich.core.clock import to_utc
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.lockdown.models import LockdownZone
from phongdich.people.models import Person

logger = logging.getLogger(__name__)

MAX_VERTICES = 2000
MAX_UNITS = 200


def _errors(*errors: FieldError) -> InvalidInput:
    return InvalidInput(_("The request has errors."), list(errors))


# --- The drawn area --------------------------------------------------------------------------------------------


def _ring_problem(ring: object) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return _("A ring needs at least four positions (three corners and the first one again).")
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(value, int | float) and not isinstance(value, bool) for value in position[:2])
            or not all(math.isfinite(value) for value in position[:2])
        ):
            return _("Every position is [longitude, latitude] in numbers.")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return _("Longitude must be between -180 and 180 and latitude between -90 and 90.")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return _("A ring must be closed: its last position repeats the first.")
    return None


def clean_area(area: object) -> dict[str, Any] | None:
    """The drawn area as a GeoJSON Polygon or MultiPolygon geometry (a Feature is unwrapped), or None.

    Closed rings of at least four positions, lon/lat in range, at most ``MAX_VERTICES`` positions in all.
    Anything else is a 422 naming ``area``.
    """
    if area is None or area == {} or area == "":
        return None

    def bad(message: str) -> InvalidInput:
        return _errors(FieldError("area", message))

    if not isinstance(area, dict):
        raise bad(_("The area must be a GeoJSON Polygon or MultiPolygon."))
    if area.get("type") == "Feature":
        area = area.get("geometry")
        if not isinstance(area, dict):
            raise bad(_("The area must be a GeoJSON Polygon or MultiPolygon."))
    kind = area.get("type")
    coordinates = area.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        raise bad(_("The area must be a GeoJSON Polygon or MultiPolygon."))
    if not polygons:
        raise bad(_("The area has no polygon."))
    vertices = 0
    cleaned: list[list[list[list[float]]]] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise bad(_("A polygon is a list of rings."))
        rings: list[list[list[float]]] = []
        for ring in polygon:
            problem = _ring_problem(ring)
            if problem:
                raise bad(problem)
            vertices += len(ring)
            if vertices > MAX_VERTICES:
                raise bad(_("The area has more than %(n)s positions.") % {"n": MAX_VERTICES})
            rings.append([[float(p[0]), float(p[1])] for p in ring])
        cleaned.append(rings)
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": cleaned[0]}
    return {"type": "MultiPolygon", "coordinates": cleaned}


def _in_ring(lon: float, lat: float, ring: Sequence[Sequence[float]]) -> bool:
    # Ray casting (even-odd rule); plane geometry is fine at a province's scale.
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_area(lon: float, lat: float, area: dict[str, Any]) -> bool:
    """Whether the point lies inside a cleaned Polygon/MultiPolygon (inside the outer ring, outside its holes)."""
    polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
    for polygon in polygons:
        if _in_ring(lon, lat, polygon[0]) and not any(_in_ring(lon, lat, hole) for hole in polygon[1:]):
            return True
    return False


def communes_in_area(area: dict[str, Any]) -> list[AdministrativeUnit]:
    """The communes whose representative point lies inside the area."""
    polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
    lons = [p[0] for polygon in polygons for p in polygon[0]]
    lats = [p[1] for polygon in polygons for p in polygon[0]]
    candidates = AdministrativeUnit.objects.filter(
        level=Level.COMMUNE,
        longitude__gte=min(lons),
        longitude__lte=max(lons),
        latitude__gte=min(lats),
        latitude__lte=max(lats),
    )
    return [
        unit
        for unit in candidates
        if unit.longitude is not None
        and unit.latitude is not None
        and point_in_area(unit.longitude, unit.latitude, area)
    ]


# --- Writing zones ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneInput:
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    units: Sequence[str] = field(default_factory=tuple)  # commune codes
    area: dict[str, Any] | None = None
    reason: str = ""


def _common_unit(units: Iterable[AdministrativeUnit]) -> AdministrativeUnit:
    """The smallest unit holding all of ``units`` (their longest common path prefix)."""
    paths = [unit.path.strip("/").split("/") for unit in units]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return AdministrativeUnit.objects.get(code=common[-1])


@dataclass(frozen=True)
class _Checked:
    name: str
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    picked: list[AdministrativeUnit]
    area: dict[str, Any] | None
    covered: list[AdministrativeUnit]
    jurisdiction: AdministrativeUnit


def _check(actor: User, data: ZoneInput) -> _Checked:
    errors: list[FieldError] = []
    name = clean_text(data.name)[:200]
    if not name:
        errors.append(FieldError("name", _("This field is required.")))
    starts_at = to_utc(data.starts_at, "starts_at")
    ends_at = to_utc(data.ends_at, "ends_at") if data.ends_at is not None else None
    if ends_at is not None and ends_at <= starts_at:
        errors.append(FieldError("ends_at", _("The end must come after the start.")))
    codes = list(dict.fromkeys(str(code).strip() for code in data.units if str(code).strip()))
    picked: list[AdministrativeUnit] = []
    if len(codes) > MAX_UNITS:
        errors.append(FieldError("units", _("At most %(n)s communes.") % {"n": MAX_UNITS}))
    else:
        found = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=codes, level=Level.COMMUNE)}
        for code in codes:
            unit = found.get(code)
            # A commune outside the caller's area reads exactly like an unknown one.
            if unit is None or not access.unit_in_scope(actor, unit.path):
                errors.append(FieldError("units", _("Unknown commune: %(code)s") % {"code": code[:20]}))
            else:
                picked.append(unit)
    area: dict[str, Any] | None = None
    try:
        area = clean_area(data.area)
    except InvalidInput as problem:
        errors.extend(problem.errors)
    covered = {unit.pk: unit for unit in picked}
    if area is not None:
        for unit in communes_in_area(area):
            if not access.unit_in_scope(actor, unit.path):
                errors.append(FieldError("area", _("The area reaches beyond your jurisdiction.")))
                break
            covered.setdefault(unit.pk, unit)
    if not codes and data.area in (None, {}, ""):
        errors.append(FieldError("units", _("Pick at least one commune or draw the area.")))
    elif not errors and not covered:
        errors.append(FieldError("area", _("The area covers no commune's centre: also pick the communes it lies in.")))
    if errors:
        raise _errors(*errors)
    return _Checked(
        name=name,
        reason=clean_text(data.reason)[:2000],
        starts_at=starts_at,
        ends_at=ends_at,
        picked=picked,
        area=area,
        covered=list(covered.values()),
        jurisdiction=_common_unit(covered.values()),
    )


def create_zone(actor: User, data: ZoneInput) -> LockdownZone:
    if not access.can(actor, "lockdown_zone", "add"):
        raise NotFound()
    checked = _check(actor, data)
    with transaction.atomic():
        zone = LockdownZone.objects.create(
            name=checked.name,
            reason=checked.reason,
            starts_at=checked.starts_at,
            ends_at=checked.ends_at,
            area=checked.area,
            jurisdiction=checked.jurisdiction,
            created_by=actor,
        )
        zone.units.set(checked.picked)
        zone.covered.set(checked.covered)
        audit.record(
            actor,
            AuditAction.CREATE,
            "lockdown_zone",
            zone.pk,
            detail={"communes": sorted(unit.code for unit in checked.covered), "area": checked.area is not None},
        )
        marked = _mark_cases_in(zone)
    _notify_changed(marked)
    return zone


def update_zone(actor: User, zone_id: object, data: ZoneInput) -> LockdownZone:
    access.get_or_404(LockdownZone.objects.all(), actor, "change", pk=zone_id)
    checked = _check(actor, data)
    with transaction.atomic():
        zone = access.get_or_404(LockdownZone.objects.select_for_update(), actor, "change", pk=zone_id)
        zone.name = checked.name
        zone.reason = checked.reason
        zone.starts_at = checked.starts_at
        zone.ends_at = checked.ends_at
        zone.area = checked.area
        zone.jurisdiction = checked.jurisdiction
        zone.save()
        zone.units.set(checked.picked)
        zone.covered.set(checked.covered)
        audit.record(
            actor,
            AuditAction.UPDATE,
            "lockdown_zone",
            zone.pk,
            detail={"communes": sorted(unit.code for unit in checked.covered), "area": checked.area is not None},
        )
        marked = _mark_cases_in(zone)
    _notify_changed(marked)
    return zone


def end_zone(actor: User, zone_id: object, at: dt.datetime | None = None) -> LockdownZone:
    """End the zone at ``at`` (default now). An ended zone cannot be ended again."""
    moment = to_utc(at, "ends_at") if at is not None else timezone.now()
    with transaction.atomic():
        zone = access.get_or_404(LockdownZone.objects.select_for_update(), actor, "change", pk=zone_id)
        if zone.ends_at is not None and zone.ends_at <= timezone.now():
            raise _errors(FieldError("ends_at", _("This zone has already ended.")))
        if moment <= zone.starts_at:
            raise _errors(FieldError("ends_at", _("The end must come after the start.")))
        zone.ends_at = moment
        zone.ended_by = actor
        zone.save(update_fields=["ends_at", "ended_by", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, "lockdown_zone", zone.pk, detail={"ended": True})
    return zone


# --- Reading zones ---------------------------------------------------------------------------------------------


def visible_zones(user: User) -> models.QuerySet[LockdownZone]:
    """Zones the account may see: those of its jurisdiction, and those covering one of its communes."""
    if not access.can(user, "lockdown_zone", "view"):
        return LockdownZone.objects.none()
    own = access.scope(user, LockdownZone, "view")
    touching = LockdownZone.objects.filter(covered__in=AdministrativeUnit.objects.filter(access.unit_scope(user)))
    return LockdownZone.objects.filter(own | models.Q(pk__in=touching.values("pk"))).select_related("jurisdiction")


def active_zones(at: dt.datetime | None = None) -> models.QuerySet[LockdownZone]:
    """Zones in force at ``at`` (default now): started, and not ended."""
    moment = at or timezone.now()
    return LockdownZone.objects.filter(starts_at__lte=moment).filter(
        models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=moment)
    )


def commune_in_active_zone(commune_id: int, at: dt.datetime | None = None) -> bool:
    return active_zones(at).filter(covered=commune_id).exists()


def person_in_active_zone(person: Person, at: dt.datetime | None = None) -> bool:
    """Whether the person's home commune is covered by a zone in force at ``at``."""
    return commune_in_active_zone(person.home_commune_id, at)


def active_commune_ids(at: dt.datetime | None = None) -> set[int]:
    """Every commune covered by a zone in force at ``at`` (one query)."""
    through = LockdownZone.covered.through
    return set(
        through.objects.filter(lockdownzone__in=active_zones(at)).values_list("administrativeunit_id", flat=True)
    )


@dataclass(frozen=True)
class ZoneFigures:
    residents: int
    cases: int
    cases_marked: int


def zone_cases(zone: LockdownZone) -> models.QuerySet[Case]:
    """Cases confirmed among the zone's residents during its period (not voided)."""
    cases = Case.objects.filter(commune__in=zone.covered.all(), confirmed_at__gte=zone.starts_at).exclude(
        status=CaseStatus.VOIDED
    )
    if zone.ends_at is not None:
        cases = cases.filter(confirmed_at__lt=zone.ends_at)
    return cases


def zone_figures(zone: LockdownZone) -> ZoneFigures:
    residents = Person.objects.filter(home_commune__in=zone.covered.all()).count()
    cases = zone_cases(zone).aggregate(
        total=models.Count("pk"),
        marked=models.Count("pk", filter=models.Q(detected_in=DetectedIn.IN_LOCKDOWN_AREA)),
    )
    return ZoneFigures(residents=residents, cases=cases["total"], cases_marked=cases["marked"])


def zone_case_list(actor: User, zone: LockdownZone, limit: int = 200) -> list[Case]:
    """The cases found in the zone that the actor may see (none for leaders); the read is audited."""
    rows = list(
        access.restrict(zone_cases(zone), actor, "view")
        .select_related("person", "commune")
        .order_by("-confirmed_at")[:limit]
    )
    if rows:
        audit.record(actor, AuditAction.LIST, "case", object_ids=[case.pk for case in rows], detail={"zone": zone.pk})
    return rows


# --- Marking cases ---------------------------------------------------------------------------------------------


def _mark(case: Case) -> bool:
    from phongdich.cases.services import mark_detected_in_lockdown

    return mark_detected_in_lockdown(case)


def _notify_changed(cases: Iterable[Case]) -> None:
    """Tell the daily statistics (situation app, if installed) that these cases changed."""
    try:
        from phongdich.situation.stats import note_case_changed
    except ImportError:
        return
    for case in cases:
        note_case_changed(case)


def _mark_cases_in(zone: LockdownZone) -> list[Case]:
    """Mark the community cases confirmed among the zone's residents during its period (inside a transaction)."""
    marked = []
    for case in zone_cases(zone).filter(detected_in=DetectedIn.COMMUNITY):
        if _mark(case):
            marked.append(case)
    return marked


def mark_case_if_in_zone(case: Case) -> bool:
    """On a new case: a community case whose person lives in a zone in force at confirmation is marked."""
    if case.detected_in != DetectedIn.COMMUNITY:
        return False
    with transaction.atomic():
        home = Person.objects.filter(pk=case.person_id).values_list("home_commune_id", flat=True).first()
        commune_id = home or case.commune_id
        if not commune_in_active_zone(commune_id, case.confirmed_at):
            return False
        marked = _mark(case)
    if marked:
        _notify_changed([case])
    return marked
