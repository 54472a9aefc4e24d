"""Synthetic venues: QR check-in points in every commune, by type, about 45,000 at full scale.

Quảng Ninh registered 45,574 QR points in 2021. Shops and restaurants are most of them; every commune
has markets, schools and a health station; hospitals sit in the cities; factories and coal mines in
Cẩm Phả, Hạ Long, Uông Bí and Mạo Khê; hotels and tourist sites in Hạ Long (Bãi Cháy, Tuần Châu),
Vân Đồn, Cô Tô and Móng Cái; ferries at the piers; Yên Tử's pagodas in Uông Bí. A commune's expected
count of each type is multiplied by the scale and rounded at random (deterministically), so counts
scale with ``--scale`` and a small run still spreads over the province.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Field

from phongdich.checkins.models import CheckIn
from phongdich.geo.models import AdministrativeUnit
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import URBAN_KINDS, SynthContext, SynthError, WeightedTable
from phongdich.synth.models import SynthRun
from phongdich.venues.models import RetiredQrKey, Venue, VenueKind, VenueStatus

K = VenueKind

# Expected venues per 1,000 residents at full scale (shops, restaurants … grow with the population).
PER_THOUSAND: dict[str, float] = {
    K.SHOP: 13.3,
    K.RESTAURANT: 7.4,
    K.OFFICE: 2.6,
    K.PHARMACY: 1.15,
    K.FACTORY: 0.9,
    K.CLINIC: 0.45,  # private clinics, besides the commune's health station
    K.SUPERMARKET: 0.3,
    K.HOTEL: 0.4,
    K.EVENT: 0.1,
}
URBAN_FACTOR: dict[str, float] = {K.SHOP: 1.15, K.RESTAURANT: 1.35, K.OFFICE: 1.6, K.SUPERMARKET: 2.5, K.PHARMACY: 1.3}

# Districts and communes of Quảng Ninh (2021 codes) with more of a type than their population says.
CITIES = {"193": 1.0, "194": 0.5, "195": 0.6, "196": 0.5, "205": 0.3, "206": 0.3}  # hospitals, buses
COAL = {"195": 3.5, "196": 2.5}  # Cẩm Phả, Uông Bí: factories × this
COAL_COMMUNES = {"06649": 3.0, "06664": 3.0, "06670": 3.0, "06652": 2.0, "07069": 3.0, "06808": 4.0}
TOURISM: dict[str, dict[str, float]] = {
    # commune: extra hotels, tourist sites, ferry piers' boats (full scale)
    "06673": {K.HOTEL: 480, K.TOURIST_SITE: 60, K.FERRY: 6, K.RESTAURANT: 250},  # Bãi Cháy
    "06700": {K.HOTEL: 90, K.TOURIST_SITE: 30, K.FERRY: 25, K.RESTAURANT: 60},  # Tuần Châu
    "06691": {K.HOTEL: 110, K.TOURIST_SITE: 20, K.FERRY: 5},  # Hồng Gai
    "06685": {K.HOTEL: 40, K.TOURIST_SITE: 6},  # Trần Hưng Đạo
    "06994": {K.HOTEL: 90, K.TOURIST_SITE: 10, K.FERRY: 20},  # Cái Rồng, Vân Đồn
    "07024": {K.HOTEL: 40, K.TOURIST_SITE: 12, K.FERRY: 5},  # Quan Lạn
    "07027": {K.HOTEL: 15, K.TOURIST_SITE: 6, K.FERRY: 3},  # Ngọc Vừng
    "07006": {K.HOTEL: 20, K.TOURIST_SITE: 8, K.FERRY: 3},  # Minh Châu
    "07018": {K.HOTEL: 5, K.TOURIST_SITE: 3, K.FERRY: 2},  # Bản Sen
    "07192": {K.HOTEL: 70, K.TOURIST_SITE: 12, K.FERRY: 10},  # Cô Tô
    "07195": {K.HOTEL: 15, K.TOURIST_SITE: 4, K.FERRY: 2},  # Đồng Tiến, Cô Tô
    "07198": {K.HOTEL: 10, K.TOURIST_SITE: 4, K.FERRY: 2},  # Thanh Lân, Cô Tô
    "06721": {K.HOTEL: 150, K.TOURIST_SITE: 12},  # Trà Cổ, Móng Cái
    "06709": {K.HOTEL: 60, K.TOURIST_SITE: 6, K.STATION: 2},  # Ka Long, Móng Cái (border gate)
    "06829": {K.RELIGIOUS_SITE: 22, K.TOURIST_SITE: 10, K.HOTEL: 10},  # Thượng Yên Công: Yên Tử
    "06778": {K.TOURIST_SITE: 4, K.HOTEL: 20},  # Quang Hanh (hot springs)
}
HOSPITALS_PER_CITY = 6

# Share of venues in each status.
STATUSES = WeightedTable.of(
    ((VenueStatus.ACTIVE.value, 0.88), (VenueStatus.PENDING.value, 0.07), (VenueStatus.SUSPENDED.value, 0.04),
     (VenueStatus.CLOSED.value, 0.01))
)  # fmt: skip

CAPACITY: dict[str, tuple[int, int]] = {
    K.MARKET: (150, 1500),
    K.SUPERMARKET: (80, 600),
    K.SHOP: (5, 40),
    K.RESTAURANT: (20, 200),
    K.OFFICE: (10, 300),
    K.FACTORY: (50, 3000),
    K.SCHOOL: (200, 1500),
    K.CLINIC: (20, 500),
    K.PHARMACY: (3, 15),
    K.HOTEL: (30, 600),
    K.TOURIST_SITE: (200, 5000),
    K.BUS: (30, 60),
    K.FERRY: (50, 400),
    K.STATION: (100, 800),
    K.RELIGIOUS_SITE: (50, 2000),
    K.EVENT: (50, 1000),
}

# Names: a kind's prefixes (weighted) and a proper name.
PREFIXES: dict[str, tuple[tuple[str, float], ...]] = {
    K.SHOP: (("Cửa hàng tạp hóa", 5), ("Cửa hàng điện thoại", 1), ("Cửa hàng quần áo", 1.5), ("Tiệm tóc", 1),
             ("Cửa hàng vật liệu xây dựng", 0.6), ("Cửa hàng điện máy", 0.5), ("Tiệm vàng", 0.3),
             ("Cửa hàng xe máy", 0.4)),
    K.RESTAURANT: (("Quán cơm", 2), ("Quán phở", 1.5), ("Quán bún", 1), ("Nhà hàng", 1.5), ("Quán cà phê", 2.5),
                   ("Quán trà sữa", 0.6), ("Nhà hàng hải sản", 0.8)),
    K.OFFICE: (("Công ty TNHH", 3), ("Công ty Cổ phần", 2), ("Ngân hàng", 0.5), ("Văn phòng", 1), ("Chi cục", 0.3)),
    K.FACTORY: (("Xí nghiệp", 1.5), ("Nhà máy", 1.5), ("Xưởng", 2), ("Công ty Than", 0.8)),
    K.PHARMACY: (("Nhà thuốc", 3), ("Quầy thuốc", 2)),
    K.CLINIC: (("Phòng khám đa khoa", 2), ("Phòng khám nha khoa", 1), ("Phòng khám", 1)),
    K.SUPERMARKET: (("Siêu thị", 2), ("Siêu thị mini", 2), ("Cửa hàng tiện lợi", 1)),
    K.HOTEL: (("Khách sạn", 3), ("Nhà nghỉ", 2), ("Homestay", 1)),
    K.TOURIST_SITE: (("Khu du lịch", 1), ("Bến tham quan", 0.5), ("Bãi tắm", 0.7), ("Điểm tham quan", 1)),
    K.EVENT: (("Hội trường", 1), ("Nhà văn hóa", 2), ("Sân vận động", 0.3)),
    K.RELIGIOUS_SITE: (("Chùa", 3), ("Đình", 1.5), ("Đền", 1.5), ("Nhà thờ", 0.5)),
    K.BUS: (("Xe buýt tuyến", 1),),
    K.FERRY: (("Tàu khách", 2), ("Tàu cao tốc", 1)),
}  # fmt: skip
PROPER_NAMES = (
    "Minh Anh", "Hoàng Long", "Thành Đạt", "Phú Quý", "Hải Yến", "Thu Trang", "Ngọc Lan", "Bình Minh", "Hồng Hà",
    "An Phát", "Hưng Thịnh", "Tân Phát", "Kim Ngân", "Phương Nam", "Bạch Đằng", "Hạ Long", "Vạn Phúc", "Thiên Long",
    "Đức Thắng", "Hải Âu", "Sao Mai", "Trường An", "Hoa Mai", "Thanh Hương", "Gia Huy", "Mạnh Cường", "Việt Hà",
    "Quang Minh", "Hòa Bình", "Phúc Lộc", "Sông Hồng", "Biển Đông", "Mai Linh", "Tuấn Hùng", "Lan Anh", "Tiến Thành",
)  # fmt: skip
STREETS = (
    "Trần Hưng Đạo", "Lê Lợi", "Nguyễn Văn Cừ", "Hạ Long", "Lê Thánh Tông", "Bạch Đằng", "Trần Phú", "Hùng Vương",
    "Quang Trung", "Nguyễn Du", "Lý Thường Kiệt", "Hoàng Quốc Việt", "Cái Lân", "Vân Đồn", "Ngô Quyền", "Hai Bà Trưng",
)  # fmt: skip
SCHOOL_LEVELS = ("Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Trường THPT")
VENUE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

VENUE_FIELDS = (
    "id",
    "code",
    "qr_key",
    "name",
    "kind",
    "commune",
    "address",
    "latitude",
    "longitude",
    "capacity",
    "status",
    "status_changed_at",
    "status_reason",
    "created_at",
    "updated_at",
)


def _place(commune: AdministrativeUnit) -> str:
    """The commune's name without "Phường", "Xã", "Thị trấn": "Hà Khánh"."""
    if commune.short_name:
        return commune.short_name
    for prefix in ("Thị trấn ", "Phường ", "Xã ", "Đặc khu "):
        if commune.name.startswith(prefix):
            return commune.name[len(prefix) :]
    return commune.name


def expected_venues(commune: AdministrativeUnit, district_code: str) -> dict[str, float]:
    """Expected venues of each type in a commune at full scale."""
    population = commune.population or 0
    thousands = population / 1000
    urban = commune.kind in URBAN_KINDS
    expected: dict[str, float] = {}
    for kind, rate in PER_THOUSAND.items():
        factor = URBAN_FACTOR.get(kind, 1.0) if urban else 1.0
        expected[kind] = rate * thousands * factor
    expected[K.FACTORY] *= COAL.get(district_code, 1.0) * COAL_COMMUNES.get(commune.code, 1.0)
    expected[K.MARKET] = 1 + min(2.0, population / 8000)  # one to three markets
    expected[K.SCHOOL] = 2 + population / 3500  # kindergarten, primary, lower secondary …
    expected[K.CLINIC] += 1  # the commune health station
    city = CITIES.get(district_code, 0.0)
    if city and urban:
        expected[K.CLINIC] += HOSPITALS_PER_CITY * city * population / 12000
        expected[K.BUS] = 3.0 * city * population / 10000
    else:
        expected[K.BUS] = 0.3
    expected[K.STATION] = 0.15 + (0.5 if urban else 0.0)
    expected[K.RELIGIOUS_SITE] = 1.2 + population / 10000
    expected[K.TOURIST_SITE] = 0.25
    for kind, extra in TOURISM.get(commune.code, {}).items():
        expected[kind] = expected.get(kind, 0.0) + extra
    return expected


def _scaled_count(rng: random.Random, expected: float, scale: float) -> int:
    """``expected × scale`` rounded up or down at random, so the mean is exact."""
    value = expected * scale
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def venue_name(rng: random.Random, kind: str, commune: AdministrativeUnit, serial: int) -> str:
    place = _place(commune)
    if kind == K.MARKET:
        return f"Chợ {place}" if serial == 1 else f"Chợ {place} {serial}"
    if kind == K.SCHOOL:
        level = SCHOOL_LEVELS[(serial - 1) % len(SCHOOL_LEVELS)]
        number = (serial - 1) // len(SCHOOL_LEVELS) + 1
        return f"{level} {place}" + (f" {number}" if number > 1 else "")
    if kind == K.CLINIC and serial == 1:
        return f"Trạm Y tế {commune.name}"
    if kind == K.CLINIC and serial <= 3 and commune.kind in URBAN_KINDS:
        return f"Bệnh viện {rng.choice(PROPER_NAMES)} {place}"
    if kind == K.STATION:
        return f"Bến xe {place}" if serial == 1 else f"Bến xe {place} {serial}"
    if kind == K.BUS:
        return f"Xe buýt tuyến {rng.randint(1, 40):02d} ({place})"
    if kind == K.RELIGIOUS_SITE and commune.code == "06829" and serial <= 12:
        return f"{('Chùa Đồng', 'Chùa Hoa Yên', 'Chùa Một Mái', 'Chùa Giải Oan', 'Am Ngọa Vân')[serial % 5]}, Yên Tử"
    return f"{_weighted(rng, PREFIXES[kind])} {rng.choice(PROPER_NAMES)}"


def venue_address(rng: random.Random, commune: AdministrativeUnit) -> str:
    """The address within the commune: screens and posters add the commune's name themselves."""
    if commune.kind in URBAN_KINDS:
        return f"Số {rng.randint(1, 400)}, đường {rng.choice(STREETS)}"
    return f"Thôn {rng.randint(1, 12)}"


def commune_points(communes: Sequence[AdministrativeUnit]) -> dict[int, tuple[float, float] | None]:
    """Each commune's representative point; a commune without one takes its district's mean."""
    by_district: dict[int | None, list[tuple[float, float]]] = {}
    for commune in communes:
        if commune.latitude is not None and commune.longitude is not None:
            by_district.setdefault(commune.parent_id, []).append((commune.latitude, commune.longitude))
    points: dict[int, tuple[float, float] | None] = {}
    for commune in communes:
        if commune.latitude is not None and commune.longitude is not None:
            points[commune.pk] = (commune.latitude, commune.longitude)
        elif known := by_district.get(commune.parent_id):
            points[commune.pk] = (sum(p[0] for p in known) / len(known), sum(p[1] for p in known) / len(known))
        else:
            points[commune.pk] = None
    return points


def model_columns(
    model: type[models.Model], field_names: Sequence[str], writer: BulkWriter
) -> tuple[list[str], tuple[Any, ...]]:
    """The columns of ``field_names`` followed by the model's other columns, and the constant values
    those others take in every row (their default, NULL, or empty text), so a field added to the model
    later needs no change here unless it is required and has no default."""
    columns = []
    for name in field_names:
        model_field = model._meta.get_field(name)
        assert isinstance(model_field, Field)
        columns.append(str(model_field.column))
    extra_values: list[Any] = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in field_names or not model_field.column or model_field.primary_key:
            continue
        if model_field.has_default():
            value = model_field.get_default()
        elif model_field.null:
            value = None
        elif isinstance(model_field, models.CharField | models.TextField | models.FileField):
            value = ""
        else:
            raise SynthError(f"{model._meta.label}.{model_field.name} is required and the generator does not fill it.")
        if isinstance(value, dt.datetime):
            value = writer.timestamp(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        columns.append(str(model_field.column))
        extra_values.append(value)
    return columns, tuple(extra_values)


@dataclass(frozen=True)
class SynthVenue:
    """What the check-in step needs to know of a generated venue."""

    id: int
    kind: str
    commune_id: int
    status: str


class VenueStep:
    """Venues of every type in every commune, written in bulk; ``context.venues`` lists them for later steps."""

    name = "venues"

    def run(self, context: SynthContext) -> None:
        writer = context.writer
        writer.lock([Venue])
        first_id = next_id = writer.first_free_id(Venue)
        codes_taken = set(Venue.objects.values_list("code", flat=True))
        stamp = writer.timestamp(context.now)
        district_codes = {d.pk: d.code for d in context.districts}
        points = commune_points(context.communes)
        columns, extra = model_columns(Venue, VENUE_FIELDS, writer)
        made: list[SynthVenue] = []
        by_kind: dict[str, int] = {}
        for commune in context.communes:
            rng = context.rng("venues", commune.code)
            urban = commune.kind in URBAN_KINDS
            spread = 0.006 if urban else 0.02  # degrees: about 0.7 km in towns, 2 km in the countryside
            point = points.get(commune.pk)
            rows = []
            for kind, expected in expected_venues(commune, district_codes.get(commune.parent_id or 0, "")).items():
                count = _scaled_count(rng, expected, context.options.scale)
                low, high = CAPACITY[kind]
                for serial in range(1, count + 1):
                    code = "".join(rng.choice(VENUE_CODE_ALPHABET) for _ in range(8))
                    while code in codes_taken:
                        code = "".join(rng.choice(VENUE_CODE_ALPHABET) for _ in range(8))
                    codes_taken.add(code)
                    status = STATUSES.draw(rng)
                    latitude = longitude = None
                    if point is not None:
                        latitude = round(point[0] + rng.gauss(0, spread), 6)
                        longitude = round(point[1] + rng.gauss(0, spread), 6)
                    reason = ""
                    if status == VenueStatus.SUSPENDED:
                        reason = "Tạm dừng hoạt động theo yêu cầu phòng dịch"
                    elif status == VenueStatus.CLOSED:
                        reason = "Ngừng kinh doanh"
                    rows.append(
                        (
                            next_id,
                            code,
                            # The poster's secret is never derived from the (public) seed.
                            secrets.token_urlsafe(16),
                            venue_name(rng, kind, commune, serial),
                            kind,
                            commune.pk,
                            venue_address(rng, commune),
                            latitude,
                            longitude,
                            rng.randint(low, high),
                            status,
                            None if status == VenueStatus.PENDING else stamp,
                            reason,
                            stamp,
                            stamp,
                            *extra,
                        )
                    )
                    made.append(SynthVenue(next_id, kind, commune.pk, status))
                    by_kind[kind] = by_kind.get(kind, 0) + 1
                    next_id += 1
            if rows:
                writer.insert(Venue, columns, rows)
        if next_id > first_id:
            writer.ids_used_up_to(Venue, next_id - 1)
            context.run.id_ranges["venue"] = [first_id, next_id - 1]
        context.shared["venues"] = made
        context.counts["venues"] = len(made)
        context.counts["venues_active"] = sum(1 for venue in made if venue.status == VenueStatus.ACTIVE)

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        bounds = run.id_range("venue")
        if not bounds:
            return
        first, last = bounds
        # Check-ins were cleared by their own step (it runs later, so it is cleared first). Other
        # records pointing at the venues go as the ORM would take them: deleted, or unlinked.
        Venue.operators.through.objects.filter(venue_id__gte=first, venue_id__lte=last).delete()
        RetiredQrKey.objects.filter(venue_id__gte=first, venue_id__lte=last).delete()
        for relation in Venue._meta.related_objects:
            related = relation.related_model
            if relation.many_to_many or related in (RetiredQrKey, CheckIn) or not isinstance(related, type):
                continue
            name = relation.field.name
            linked = related._default_manager.filter(**{f"{name}__gte": first, f"{name}__lte": last})
            if relation.on_delete is models.SET_NULL:
                linked.update(**{name: None})
            elif relation.on_delete is models.CASCADE:
                linked.delete()
        writer.delete_id_range(Venue, first, last)
