"""The map's layers as GeoJSON FeatureCollections: one grouped query per layer, never one per commune.

The base is the province's own geometry (no tile server): each commune is its boundary polygon when one was
imported (``phongdich import-boundaries``), else a point at its representative latitude/longitude that the page
draws as a circle sized by population. Facilities and vaccination sites have no coordinates: they sit at their
commune's point, moved by a small offset derived from their id (stable between requests). There is no testing
site model: sampling happens at commune health stations and vaccination sites, so the sites layer shows the
vaccination sites.

Who sees what: the internal layers cover the viewer's area (province staff and leaders: the province; a district
account: its district; a commune account: its district, so the neighbours show). Facilities and venues follow
``core.access`` (a commune officer gets those of its own commune); leaders see all of them, as aggregates.
The public layers hold aggregates only: levels, case counts per commune with 1–4 shown as "<5", zones in force,
facilities with their bed totals, vaccination sites; never venues.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import AGGREGATE_ONLY_ROLES, Role
from phongdich.cases.models import Case, CaseStatus, DetectedIn
from phongdich.core import access
from phongdich.geo.models import AdministrativeUnit, Level

LAYERS = ("levels", "cases", "zones", "facilities", "sites", "venues")
PUBLIC_LAYERS = ("levels", "cases", "zones", "facilities", "sites")
NOT_ASSESSED_COLOR = "#9e9e9e"
SMALL_COUNT = 5  # public counts below this (but above 0) read "<5"
OFFSET_DEGREES = 0.006
RECENT_DAYS = 7
VENUE_DAYS = 14

FeatureCollection = dict[str, Any]


def level_colors() -> dict[int, str]:
    try:
        from phongdich.levels.models import LEVEL_COLORS
    except ImportError:
        return {1: "#2e7d32", 2: "#f9c80e", 3: "#ef6c00", 4: "#c62828"}
    return dict(LEVEL_COLORS)


def level_labels() -> dict[int, str]:
    try:
        from phongdich.levels.models import EpidemicLevel
    except ImportError:
        return {n: _("Level %(n)s") % {"n": n} for n in range(1, 5)}
    return {int(value): str(label) for value, label in EpidemicLevel.choices}


def _current_levels() -> dict[int, int]:
    try:
        from phongdich.levels.services import current_levels
    except ImportError:
        return {}
    return current_levels()


def _explanations(unit_ids: set[int]) -> dict[int, str]:
    try:
        from phongdich.levels.services import latest_assessments
    except ImportError:
        return {}
    return {unit_id: str(a.explanation) for unit_id, a in latest_assessments().items() if unit_id in unit_ids}


# --- The viewer's area -----------------------------------------------------------------------------------------


def sees_whole_province(user: User | None) -> bool:
    return user is None or user.is_superuser or user.role in AGGREGATE_ONLY_ROLES


def area_paths(user: User | None) -> list[str] | None:
    """Paths of the units the internal map covers for ``user``; None for the whole province."""
    if sees_whole_province(user):
        return None
    assert user is not None
    paths = []
    for path in user.unit_paths():
        parts = path.strip("/").split("/")
        # A commune account sees its district, so the neighbouring communes show around it.
        paths.append("/".join(parts[:2]) + "/" if len(parts) >= 3 else path)
    return access.outermost(paths)


def _communes(paths: list[str] | None) -> models.QuerySet[AdministrativeUnit]:
    communes = AdministrativeUnit.objects.filter(level=Level.COMMUNE)
    if paths is not None:
        communes = communes.filter(access.units_within(paths))
    return communes


def _point(unit_lon: float | None, unit_lat: float | None) -> dict[str, Any] | None:
    if unit_lon is None or unit_lat is None:
        return None
    return {"type": "Point", "coordinates": [round(unit_lon, 6), round(unit_lat, 6)]}


def _offset(point: dict[str, Any] | None, key: int, kind: int) -> dict[str, Any] | None:
    """The point moved by a small offset set by the record's id (golden-angle spiral), so markers do not stack."""
    if point is None:
        return None
    angle = (key * 137.508 + kind * 60) * math.pi / 180
    radius = OFFSET_DEGREES * (1 + (key % 3) / 3)
    lon, lat = point["coordinates"]
    return {
        "type": "Point",
        "coordinates": [round(lon + radius * math.cos(angle), 6), round(lat + radius * math.sin(angle), 6)],
    }


def _collection(features: list[dict[str, Any]], **extra: Any) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": features, **extra}


def _masked(count: int, public: bool) -> int | str:
    if public and 0 < count < SMALL_COUNT:
        return f"<{SMALL_COUNT}"
    return count


# --- Layers ----------------------------------------------------------------------------------------------------


def _case_counts(paths: list[str] | None, now: dt.datetime) -> dict[int, dict[str, int]]:
    """Per commune: community cases confirmed in the last 7 days, all new cases in 7 days, active cases."""
    since = now - dt.timedelta(days=RECENT_DAYS)
    cases = Case.objects.exclude(status=CaseStatus.VOIDED).filter(
        models.Q(confirmed_at__gte=since) | models.Q(status=CaseStatus.ACTIVE)
    )
    if paths is not None:
        cases = cases.filter(access.units_within(paths, prefix="commune__"))
    recent = models.Q(confirmed_at__gte=since, confirmed_at__lte=now)
    rows = cases.values("commune_id").annotate(
        community=models.Count("pk", filter=recent & models.Q(detected_in=DetectedIn.COMMUNITY)),
        new=models.Count("pk", filter=recent),
        active=models.Count("pk", filter=models.Q(status=CaseStatus.ACTIVE)),
    )
    return {
        row["commune_id"]: {"community_7d": row["community"], "new_7d": row["new"], "active": row["active"]}
        for row in rows
    }


def _zone_links(paths: list[str] | None, now: dt.datetime) -> dict[int, list[int]]:
    from phongdich.lockdown.models import LockdownZone

    through = LockdownZone.covered.through
    rows = through.objects.filter(
        lockdownzone__starts_at__lte=now,
    ).filter(models.Q(lockdownzone__ends_at__isnull=True) | models.Q(lockdownzone__ends_at__gt=now))
    if paths is not None:
        rows = rows.filter(access.units_within(paths, prefix="administrativeunit__"))
    links: dict[int, list[int]] = {}
    for commune_id, zone_id in rows.values_list("administrativeunit_id", "lockdownzone_id"):
        links.setdefault(commune_id, []).append(zone_id)
    return links


def _placeholder_points(communes: list[AdministrativeUnit]) -> dict[int, dict[str, Any]]:
    """For communes without boundary or point: the mean of their district's commune points, offset by id."""
    sums: dict[int | None, list[float]] = {}
    for commune in communes:
        if commune.longitude is not None and commune.latitude is not None:
            total = sums.setdefault(commune.parent_id, [0.0, 0.0, 0.0])
            total[0] += commune.longitude
            total[1] += commune.latitude
            total[2] += 1
    placed = {}
    for commune in communes:
        if commune.boundary or (commune.longitude is not None and commune.latitude is not None):
            continue
        district_total = sums.get(commune.parent_id)
        if district_total:
            lon, lat, count = district_total
            placed[commune.pk] = _offset(_point(lon / count, lat / count), commune.pk, 0)
    return {pk: point for pk, point in placed.items() if point is not None}


def levels_layer(user: User | None, public: bool, now: dt.datetime) -> FeatureCollection:
    paths = None if public else area_paths(user)
    communes = list(
        _communes(paths)
        .select_related("parent")
        .only(
            "id",
            "code",
            "name",
            "population",
            "latitude",
            "longitude",
            "boundary",
            "parent__code",
            "parent__name",
        )
    )
    levels = _current_levels()
    colors = level_colors()
    counts = _case_counts(paths, now)
    ids = {commune.pk for commune in communes}
    explanations = _explanations(ids)
    zones = _zone_links(paths, now)
    placed = _placeholder_points(communes)
    features = []
    for commune in communes:
        geometry = commune.boundary or _point(commune.longitude, commune.latitude) or placed.get(commune.pk)
        if geometry is None:
            continue
        level = levels.get(commune.pk)
        figures = counts.get(commune.pk, {})
        district = commune.parent
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": "commune",
                    "code": commune.code,
                    "name": commune.name,
                    "district_code": district.code if district else "",
                    "district_name": district.name if district else "",
                    "level": level,
                    "color": colors.get(level, NOT_ASSESSED_COLOR) if level else NOT_ASSESSED_COLOR,
                    "explanation": explanations.get(commune.pk, ""),
                    "population": commune.population or 0,
                    "cases_7d": _masked(figures.get("community_7d", 0), public),
                    "zones": zones.get(commune.pk, []),
                    # No point of its own: placed near the middle of its district's communes.
                    "approximate": commune.pk in placed,
                },
            }
        )
    districts = AdministrativeUnit.objects.filter(level=Level.DISTRICT, boundary__isnull=False)
    if paths is not None:
        districts = districts.filter(access.units_within(paths))
    for district in districts.only("id", "code", "name", "boundary"):
        level = levels.get(district.pk)
        features.append(
            {
                "type": "Feature",
                "geometry": district.boundary,
                "properties": {
                    "kind": "district",
                    "code": district.code,
                    "name": district.name,
                    "level": level,
                    "color": colors.get(level, NOT_ASSESSED_COLOR) if level else NOT_ASSESSED_COLOR,
                },
            }
        )
    return _collection(features)


def cases_layer(user: User | None, public: bool, now: dt.datetime) -> FeatureCollection:
    """Counts per commune at the commune's point: never a home, never a person."""
    paths = None if public else area_paths(user)
    counts = _case_counts(paths, now)
    communes = _communes(paths).filter(pk__in=list(counts)).only("id", "code", "name", "latitude", "longitude")
    features = []
    for commune in communes:
        figures = counts[commune.pk]
        if not (figures["new_7d"] or figures["active"]):
            continue
        geometry = _point(commune.longitude, commune.latitude)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": commune.code,
                    "name": commune.name,
                    "cases_7d": _masked(figures["community_7d"], public),
                    "new_7d": _masked(figures["new_7d"], public),
                    "active": _masked(figures["active"], public),
                    # The circle's size: the real count internally, the band's floor publicly.
                    "weight": figures["new_7d"] if not public or figures["new_7d"] >= SMALL_COUNT else 1,
                },
            }
        )
    return _collection(features)


def zones_layer(user: User | None, public: bool, now: dt.datetime) -> FeatureCollection:
    """Zones in force (and, internally, those ended in the last 30 days): drawn area, else the communes' points."""
    from phongdich.lockdown.models import LockdownZone
    from phongdich.lockdown.services import visible_zones

    zones: models.QuerySet[LockdownZone]
    if public or sees_whole_province(user):
        zones = LockdownZone.objects.all()
    else:
        assert user is not None
        zones = visible_zones(user)
    zones = zones.filter(starts_at__lte=now)
    if public:
        zones = zones.filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now))
    else:
        zones = zones.filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now - dt.timedelta(days=30)))
    zones = zones.prefetch_related(
        models.Prefetch(
            "covered",
            queryset=AdministrativeUnit.objects.only("id", "code", "name", "latitude", "longitude", "boundary"),
        )
    ).order_by("-starts_at")
    features = []
    for zone in zones[:500]:
        covered = list(zone.covered.all())
        if zone.area:
            geometry: dict[str, Any] = zone.area
        else:
            points = [[u.longitude, u.latitude] for u in covered if u.longitude is not None and u.latitude is not None]
            geometry = {"type": "MultiPoint", "coordinates": points}
        active = zone.ends_at is None or zone.ends_at > now
        properties: dict[str, Any] = {
            "id": zone.pk,
            "name": zone.name,
            "active": active,
            "starts_at": timezone.localtime(zone.starts_at).isoformat(),
            "ends_at": timezone.localtime(zone.ends_at).isoformat() if zone.ends_at else None,
            "communes": [u.code for u in covered],
            "commune_names": [u.name for u in covered],
            "drawn": bool(zone.area),
        }
        if not public:
            properties["reason"] = zone.reason
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return _collection(features)


def _commune_points(commune_ids: set[int]) -> dict[int, tuple[dict[str, Any] | None, str]]:
    return {
        unit.pk: (_point(unit.longitude, unit.latitude), unit.name)
        for unit in AdministrativeUnit.objects.filter(pk__in=commune_ids).only("id", "name", "latitude", "longitude")
    }


def _count_subquery(queryset: models.QuerySet[Any]) -> models.Subquery:
    return models.Subquery(
        queryset.order_by().values("facility").annotate(n=models.Count("pk")).values("n")[:1],
        output_field=models.IntegerField(),
    )


def facilities_layer(user: User | None, public: bool, now: dt.datetime) -> FeatureCollection:
    """Open and suspended quarantine facilities with beds in service and beds occupied now."""
    from phongdich.quarantine.models import FacilityAdmission, FacilityBed, FacilityStatus, QuarantineFacility

    facilities: models.QuerySet[QuarantineFacility] = QuarantineFacility.objects.exclude(status=FacilityStatus.CLOSED)
    if not public and not sees_whole_province(user):
        facilities = access.restrict(facilities, user, "view")
    outer = models.OuterRef("pk")
    rows = list(
        facilities.annotate(
            bed_count=Coalesce(_count_subquery(FacilityBed.objects.filter(facility=outer, in_service=True)), 0),
            occupied_count=Coalesce(
                _count_subquery(
                    FacilityAdmission.objects.filter(facility=outer, admitted_at__lte=now).filter(
                        models.Q(discharged_at__isnull=True) | models.Q(discharged_at__gt=now)
                    )
                ),
                0,
            ),
        ).values_list("pk", "name", "kind", "status", "commune_id", "bed_count", "occupied_count")
    )
    points = _commune_points({row[4] for row in rows})
    features = []
    for pk, name, kind, status, commune_id, beds, occupied in rows:
        point, commune_name = points.get(commune_id, (None, ""))
        geometry = _offset(point, pk, 1)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "id": pk,
                    "name": name,
                    "kind": kind,
                    "status": status,
                    "commune": commune_name,
                    "beds": beds,
                    "occupied": occupied,
                },
            }
        )
    return _collection(features)


def sites_layer(user: User | None, public: bool, now: dt.datetime) -> FeatureCollection:
    """Vaccination sites in use (testing has no site model: see the module docstring)."""
    from phongdich.vaccination.models import VaccinationSite

    sites = VaccinationSite.objects.filter(active=True)
    paths = None if public else area_paths(user)
    if paths is not None:
        sites = sites.filter(access.units_within(paths, prefix="commune__"))
    rows = list(sites.values_list("pk", "name", "kind", "address", "commune_id"))
    points = _commune_points({row[4] for row in rows})
    features = []
    for pk, name, kind, address, commune_id in rows:
        point, commune_name = points.get(commune_id, (None, ""))
        geometry = _offset(point, pk, 2)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "id": pk,
                    "name": name,
                    "kind": "vaccination",
                    "site_kind": kind,
                    "address": address,
                    "commune": commune_name,
                },
            }
        )
    return _collection(features)


def venues_layer(user: User | None, public: bool, now: dt.datetime) -> FeatureCollection:
    """Venues where a case was present during its infectious period in the last 14 days (from tracing's venue
    evidence: each row is a case's stay overlapping a contact's), with the number of such cases. Internal only."""
    from phongdich.tracing.models import ContactEvidence, Source
    from phongdich.venues.models import Venue

    if public:
        return _collection([])
    since = now - dt.timedelta(days=VENUE_DAYS)
    # The contact's check-in (indexed) comes at most a day before the overlap starts: it narrows the scan.
    evidence = ContactEvidence.objects.filter(
        source=Source.VENUE, venue__isnull=False, checkin_at__gte=since - dt.timedelta(days=1), started_at__gte=since
    )
    if not sees_whole_province(user):
        venues = access.restrict(Venue.objects.all(), user, "view")
        evidence = evidence.filter(venue__in=venues.values("pk"))
    rows = list(
        evidence.values(
            "venue_id", "venue__name", "venue__kind", "venue__latitude", "venue__longitude", "venue__commune_id"
        )
        .annotate(cases=models.Count("contact__case", distinct=True), last=models.Max("started_at"))
        .order_by("-cases", "venue_id")[:2000]
    )
    points = _commune_points({row["venue__commune_id"] for row in rows if row["venue__latitude"] is None})
    features = []
    for row in rows:
        geometry = _point(row["venue__longitude"], row["venue__latitude"])
        if geometry is None:
            geometry = _offset(points.get(row["venue__commune_id"], (None, ""))[0], row["venue_id"], 3)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "id": row["venue_id"],
                    "name": row["venue__name"],
                    "kind": row["venue__kind"],
                    "cases": row["cases"],
                    "last": timezone.localtime(row["last"]).isoformat(),
                },
            }
        )
    return _collection(features)


BUILDERS: dict[str, Callable[[User | None, bool, dt.datetime], FeatureCollection]] = {
    "levels": levels_layer,
    "cases": cases_layer,
    "zones": zones_layer,
    "facilities": facilities_layer,
    "sites": sites_layer,
    "venues": venues_layer,
}


def may_use_map(user: Any) -> bool:
    """The internal map: staff roles and leaders (everyone signed in but citizens)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.role != Role.CITIZEN and user.role in Role.values))
    )


def layer(name: str, user: User | None, public: bool, now: dt.datetime | None = None) -> FeatureCollection:
    if name not in (PUBLIC_LAYERS if public else LAYERS):
        raise KeyError(name)
    return BUILDERS[name](user, public, now or timezone.now())
