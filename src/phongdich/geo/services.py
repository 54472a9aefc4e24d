"""Loading a province's administrative units and boundaries from files.

A file is checked whole before anything is written: a bad file is rejected with every problem and
its line, and the database is left as it was.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction

from phongdich.core.errors import FileRejected
from phongdich.geo.models import AGE_BANDS, AdministrativeUnit, Kind, Level

UNIT_COLUMNS = (
    "province_code",
    "province_name",
    "district_code",
    "district_name",
    "district_type",
    "ward_code",
    "ward_name",
    "ward_type",
    "population",
    "latitude",
    "longitude",
)
BAND_COLUMNS = tuple(f"population_{key}" for key, _low, _high in AGE_BANDS)

DISTRICT_KINDS = {
    "thành phố": Kind.CITY,
    "thị xã": Kind.TOWN,
    "huyện": Kind.RURAL_DISTRICT,
    "quận": Kind.URBAN_DISTRICT,
}
COMMUNE_KINDS = {
    "phường": Kind.WARD,
    "xã": Kind.COMMUNE,
    "thị trấn": Kind.TOWNSHIP,
    "đặc khu": Kind.SPECIAL_ZONE,
}
BUNDLED_PROVINCES = {"quang-ninh": "units_2021.csv"}


@dataclass(frozen=True)
class LoadResult:
    provinces: int
    districts: int
    communes: int
    created: int
    updated: int
    population: int


@cache
def national_age_shares() -> tuple[tuple[int, int, float], ...]:
    """(from age, to age, share) for each 5-year group of the 2019 census."""
    text = resources.files("phongdich.geo").joinpath("data/age_structure_vn_2019.csv").read_text("utf-8")
    return tuple(
        (int(row["age_from"]), int(row["age_to"]), float(row["share_percent"]) / 100)
        for row in csv.DictReader(io.StringIO(text))
    )


def age_band_shares() -> dict[str, float]:
    """Share of the population in each band, ages taken as evenly spread within a 5-year group."""
    shares = dict.fromkeys((key for key, _low, _high in AGE_BANDS), 0.0)
    for group_from, group_to, share in national_age_shares():
        years = group_to - group_from + 1
        for key, low, high in AGE_BANDS:
            overlap = min(group_to, high) - max(group_from, low) + 1
            if overlap > 0:
                shares[key] += share * overlap / years
    total = sum(shares.values())
    return {key: value / total for key, value in shares.items()}


def estimate_age_bands(total: int) -> dict[str, int]:
    """Split a total into the bands by national shares; largest remainders keep the sum exact."""
    exact = {key: total * share for key, share in age_band_shares().items()}
    bands = {key: int(value) for key, value in exact.items()}
    short = total - sum(bands.values())
    for key in sorted(exact, key=lambda k: exact[k] - bands[k], reverse=True)[:short]:
        bands[key] += 1
    return bands


def _kind(value: str, table: dict[str, Kind]) -> Kind | None:
    return table.get(value.strip().lower())


def _optional_float(value: str, low: float, high: float) -> float | None:
    if value.strip() == "":
        return None
    number = float(value)
    if not low <= number <= high:
        raise ValueError
    return number


@dataclass
class _UnitRow:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    population: int | None = None
    bands: dict[str, int] | None = None
    latitude: float | None = None
    longitude: float | None = None


def parse_units_csv(lines: Iterable[str]) -> list[_UnitRow]:
    """Parse a units file (one line per commune) into province, district and commune rows."""
    reader = csv.DictReader(lines)
    missing = [column for column in UNIT_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise FileRejected([f"line 1: missing columns: {', '.join(missing)}"])
    has_bands = all(column in (reader.fieldnames or []) for column in BAND_COLUMNS)
    problems: list[str] = []
    units: dict[str, _UnitRow] = {}
    seen_communes: set[str] = set()
    province_code: str | None = None
    for line_number, row in enumerate(reader, start=2):
        values = {key: (value or "").strip() for key, value in row.items() if key is not None}
        where = f"line {line_number}"
        row_problems: list[str] = []
        for column in ("province_code", "province_name", "district_code", "district_name", "ward_code", "ward_name"):
            if not values.get(column):
                row_problems.append(f"{where}: {column} is empty")
        for column in ("province_code", "district_code", "ward_code"):
            if values.get(column) and not values[column].isdigit():
                row_problems.append(f"{where}: {column} must be digits, not {values[column]!r}")
        district_kind = _kind(values.get("district_type", ""), DISTRICT_KINDS)
        commune_kind = _kind(values.get("ward_type", ""), COMMUNE_KINDS)
        if district_kind is None:
            row_problems.append(
                f"{where}: district_type {values.get('district_type')!r} is not one of {', '.join(DISTRICT_KINDS)}"
            )
        if commune_kind is None:
            row_problems.append(
                f"{where}: ward_type {values.get('ward_type')!r} is not one of {', '.join(COMMUNE_KINDS)}"
            )
        population: int | None = None
        if values.get("population"):
            try:
                population = int(values["population"])
                if population < 0:
                    raise ValueError
            except ValueError:
                row_problems.append(f"{where}: population must be a whole number ≥ 0, not {values['population']!r}")
        try:
            latitude = _optional_float(values.get("latitude", ""), -90, 90)
            longitude = _optional_float(values.get("longitude", ""), -180, 180)
        except ValueError:
            row_problems.append(f"{where}: latitude/longitude must be numbers in range")
            latitude = longitude = None
        if (latitude is None) != (longitude is None):
            row_problems.append(f"{where}: give both latitude and longitude, or neither")
        bands: dict[str, int] | None = None
        if has_bands and any(values.get(column) for column in BAND_COLUMNS):
            try:
                bands = {column.removeprefix("population_"): int(values[column]) for column in BAND_COLUMNS}
            except ValueError:
                row_problems.append(f"{where}: age band columns must all be whole numbers")
            else:
                if population is not None and sum(bands.values()) != population:
                    row_problems.append(f"{where}: age bands add up to {sum(bands.values())}, not {population}")
        code = values.get("ward_code", "")
        if code in seen_communes:
            row_problems.append(f"{where}: ward_code {code} appears twice")
        if province_code is not None and values.get("province_code") and values["province_code"] != province_code:
            row_problems.append(f"{where}: a file holds one province; {values['province_code']} ≠ {province_code}")
        if row_problems:
            problems.extend(row_problems)
            continue
        assert district_kind is not None and commune_kind is not None
        province_code = values["province_code"]
        seen_communes.add(code)
        if province_code not in units:
            name = values["province_name"]
            kind = Kind.CENTRAL_CITY if name.lower().startswith("thành phố") else Kind.PROVINCE
            units[province_code] = _UnitRow(province_code, name, Level.PROVINCE, kind, None)
        district_code = values["district_code"]
        district = units.get(district_code)
        if district is None:
            units[district_code] = _UnitRow(
                district_code, values["district_name"], Level.DISTRICT, district_kind, province_code
            )
        elif district.level != Level.DISTRICT or district.name != values["district_name"]:
            problems.append(f"{where}: district_code {district_code} was given another name or level before")
            continue
        if code in units:
            problems.append(f"{where}: ward_code {code} is also used by a province or district")
            continue
        units[code] = _UnitRow(
            code,
            values["ward_name"],
            Level.COMMUNE,
            commune_kind,
            district_code,
            population=population,
            bands=bands,
            latitude=latitude,
            longitude=longitude,
        )
    if not units and not problems:
        problems.append("the file has no units")
    if problems:
        raise FileRejected(problems)
    return list(units.values())


def _ancestors(code: str, parent_of: dict[str, str | None]) -> set[str]:
    found: set[str] = set()
    parent = parent_of.get(code)
    while parent:
        found.add(parent)
        parent = parent_of.get(parent)
    return found


def _short_name(name: str) -> str:
    lowered = name.lower()
    for prefix in ("tỉnh ", "thành phố ", "thị xã ", "huyện ", "quận ", "phường ", "xã ", "thị trấn ", "đặc khu "):
        if lowered.startswith(prefix):
            return name[len(prefix) :]
    return name


@transaction.atomic
def load_units(lines: Iterable[str], *, population_year: int | None = 2019) -> LoadResult:
    """Create or update the units of one province. Re-loading the same file changes nothing."""
    rows = parse_units_csv(lines)
    existing = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=[r.code for r in rows])}
    by_code: dict[str, AdministrativeUnit] = {}
    created = updated = 0
    # Districts' and the province's populations are the sum of their communes'.
    totals: dict[str, int] = {}
    band_totals: dict[str, dict[str, int]] = {}
    estimated: dict[str, bool] = {}
    parent_of = {row.code: row.parent_code for row in rows}
    commune_rows = [row for row in rows if row.level == Level.COMMUNE]
    for row in commune_rows:
        estimated[row.code] = row.bands is None
        if row.population is None:
            continue
        row.bands = row.bands if row.bands is not None else estimate_age_bands(row.population)
        district_code = row.parent_code
        for code in (district_code, parent_of.get(district_code or "")):
            assert code is not None
            totals[code] = totals.get(code, 0) + row.population
            acc = band_totals.setdefault(code, dict.fromkeys(row.bands, 0))
            for key, value in row.bands.items():
                acc[key] += value
    order = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}
    for row in sorted(rows, key=lambda r: order[Level(r.level)]):
        parent = by_code[row.parent_code] if row.parent_code else None
        population = row.population if row.level == Level.COMMUNE else totals.get(row.code)
        bands: dict[str, int] | None = row.bands if row.level == Level.COMMUNE else band_totals.get(row.code)
        fields: dict[str, Any] = {
            "name": row.name,
            "short_name": _short_name(row.name),
            "level": row.level,
            "kind": row.kind,
            "parent": parent,
            "path": (parent.path if parent else "") + row.code + "/",
            "population": population,
            "population_year": population_year if population is not None else None,
            "latitude": row.latitude,
            "longitude": row.longitude,
        }
        for key, _low, _high in AGE_BANDS:
            fields[f"population_{key}"] = bands.get(key) if bands else None
        # A district or province total is estimated as soon as one of its communes is.
        fields["age_bands_estimated"] = bool(bands) and (
            estimated[row.code]
            if row.level == Level.COMMUNE
            else any(estimated[c] for c in estimated if row.code in _ancestors(c, parent_of))
        )
        unit = existing.get(row.code)
        if unit is None:
            unit = AdministrativeUnit.objects.create(code=row.code, **fields)
            created += 1
        else:
            changed = [name for name, value in fields.items() if getattr(unit, name) != value]
            if changed:
                for name in changed:
                    setattr(unit, name, fields[name])
                unit.save(update_fields=changed)
                updated += 1
        by_code[row.code] = unit
    return LoadResult(
        provinces=sum(1 for r in rows if r.level == Level.PROVINCE),
        districts=sum(1 for r in rows if r.level == Level.DISTRICT),
        communes=len(commune_rows),
        created=created,
        updated=updated,
        population=sum(r.population or 0 for r in commune_rows),
    )


def bundled_units_file(province: str = "quang-ninh") -> Path:
    name = BUNDLED_PROVINCES[province]
    return Path(str(resources.files("phongdich.geo").joinpath(f"data/{province}/{name}")))


def load_bundled_province(province: str = "quang-ninh") -> LoadResult:
    with bundled_units_file(province).open(encoding="utf-8", newline="") as handle:
        return load_units(handle)


_GEOMETRY_TYPES = {"Polygon", "MultiPolygon"}


def _valid_ring(ring: Any) -> bool:
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(
            isinstance(p, list)
            and len(p) >= 2
            and all(isinstance(c, int | float) for c in p[:2])
            and -180 <= p[0] <= 180
            and -90 <= p[1] <= 90
            for p in ring
        )
        and ring[0][:2] == ring[-1][:2]
    )


def _valid_geometry(geometry: Any) -> bool:
    if not isinstance(geometry, dict) or geometry.get("type") not in _GEOMETRY_TYPES:
        return False
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return False
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    return all(isinstance(p, list) and p and all(_valid_ring(r) for r in p) for p in polygons)


@transaction.atomic
def import_boundaries(text: str, *, code_property: str = "code") -> int:
    """Attach polygons from a GeoJSON FeatureCollection to units, matched by their official code."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected([f"line {exc.lineno}: not valid JSON ({exc.msg})"]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileRejected(["the file is not a GeoJSON FeatureCollection"])
    features = document.get("features")
    if not isinstance(features, list):
        raise FileRejected(["the FeatureCollection has no features list"])
    problems: list[str] = []
    wanted: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(features, start=1):
        where = f"feature {index}"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            problems.append(f"{where}: no properties")
            continue
        code = str(properties.get(code_property, "")).strip()
        if not code:
            problems.append(f"{where}: no {code_property!r} property")
            continue
        where = f"feature {index} (code {code})"
        if not _valid_geometry(feature.get("geometry")):
            problems.append(f"{where}: geometry must be a closed Polygon or MultiPolygon in longitude/latitude")
            continue
        if code in wanted:
            problems.append(f"{where}: code appears twice")
            continue
        wanted[code] = feature["geometry"]
    units = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=wanted)}
    for code in wanted:
        if code not in units:
            problems.append(f"code {code}: no unit has this code (load the units first)")
    if problems:
        raise FileRejected(problems)
    for code, geometry in wanted.items():
        unit = units[code]
        unit.boundary = geometry
        unit.save(update_fields=["boundary"])
    return len(wanted)
