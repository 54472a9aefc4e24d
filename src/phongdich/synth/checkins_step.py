"""Synthetic check-ins, from a mobility model of the people the run generated.

A share of people (``--adoption``, 0.46 by default: Quảng Ninh's app share in 2021) check in. Each has
a home commune; adults of working age most often a workplace (an office or factory in their commune or
a nearby one), children a school; and on any day errands (shops, markets, supermarkets, pharmacies),
meals out, now and then a clinic, a pagoda, an event, or a trip to Hạ Long's tourist sites. Times are
local (Asia/Ho_Chi_Minh) and stored in UTC; about 60 % of visits are checked out explicitly, the rest
are left open (the stay rules infer their end). Only active venues take check-ins, and only times
within the retention period and not after now are written, so a reference date further back than
the retention period gives no check-ins at all.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.people.models import Person
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, SynthError
from phongdich.synth.models import SynthRun
from phongdich.synth.venues_step import SynthVenue, commune_points, model_columns
from phongdich.venues.models import VenueKind, VenueStatus

K = VenueKind
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_ADOPTION = 0.46
MAX_DAYS = 21  # no more than the retention period

EXPLICIT_CHECKOUT_SHARE = 0.6
WORKING_AGES = (18, 60)
EMPLOYED_SHARE = 0.72  # of working age, with a workplace that checks people in
SCHOOL_AGES = (6, 17)
AT_SCHOOL_SHARE = 0.95
WORKPLACE_NEAR_HOME = 0.7  # else in a neighbouring commune
ERRAND_KINDS = ((K.SHOP, 0.5), (K.MARKET, 0.25), (K.SUPERMARKET, 0.12), (K.PHARMACY, 0.13))
TOURISM_DISTRICT = "193"  # Hạ Long: day trips go to Bãi Cháy, Tuần Châu …
NEARBY_COMMUNES = 4
METHODS = ((CheckInMethod.VENUE_QR.value, 0.86), (CheckInMethod.PERSONAL_QR.value, 0.1),
           (CheckInMethod.TYPED_ID.value, 0.04))  # fmt: skip

CHECKIN_FIELDS = (
    "uuid",
    "checked_in_at",
    "venue",
    "person",
    "phone",
    "name",
    "checked_out_at",
    "checkout_inferred",
    "method",
    "received_at",
)

# A UUID's version (4) and variant (RFC 4122) bits, set on 128 random bits.
_UUID_CLEAR = ~((0xF << 76) | (0xC << 60)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x8 << 60)


def ensure_partitions(now: dt.datetime) -> None:
    """Day partitions for the retention window, where check-ins are written (PostgreSQL only)."""
    from phongdich.checkins import services

    services.ensure_partitions(now=now)


class VenueIndex:
    """Active venues by commune and type, with the nearest communes that have a type."""

    def __init__(self, venues: Sequence[SynthVenue], communes: Sequence[Any]) -> None:
        self.by_commune: dict[tuple[int, str], list[int]] = {}
        self.by_kind: dict[str, list[int]] = {}
        self.commune_of: dict[int, int] = {}
        for venue in venues:
            if venue.status != VenueStatus.ACTIVE:
                continue
            self.by_commune.setdefault((venue.commune_id, venue.kind), []).append(venue.id)
            self.by_kind.setdefault(venue.kind, []).append(venue.id)
            self.commune_of[venue.id] = venue.commune_id
        points = commune_points(communes)
        ids = [commune.pk for commune in communes]
        self.nearest: dict[int, list[int]] = {}
        for commune_id in ids:
            here = points.get(commune_id)
            if here is None:
                self.nearest[commune_id] = [other for other in ids if other != commune_id]
                continue
            cos = math.cos(math.radians(here[0]))

            def distance(other: int, here: tuple[float, float] | None = here, cos: float = cos) -> float:
                there = points.get(other)
                if there is None or here is None:
                    return math.inf
                return (there[0] - here[0]) ** 2 + ((there[1] - here[1]) * cos) ** 2

            self.nearest[commune_id] = sorted((other for other in ids if other != commune_id), key=distance)
        self._nearby: dict[tuple[int, str], list[int]] = {}

    def local(self, commune_id: int, kind: str) -> list[int]:
        return self.by_commune.get((commune_id, kind), [])

    def nearby(self, commune_id: int, kind: str) -> list[int]:
        """Venues of the type in the nearest few communes that have one (or anywhere, as a last resort)."""
        key = (commune_id, kind)
        found = self._nearby.get(key)
        if found is None:
            found = []
            communes = 0
            for other in self.nearest[commune_id]:
                venues = self.by_commune.get((other, kind))
                if venues:
                    found.extend(venues)
                    communes += 1
                    if communes >= NEARBY_COMMUNES:
                        break
            self._nearby[key] = found
        return found

    def pick(self, rng: random.Random, commune_id: int, kind: str, local_share: float) -> int | None:
        local = self.local(commune_id, kind)
        if local and (rng.random() < local_share or not self.nearby(commune_id, kind)):
            return local[int(rng.random() * len(local))]
        nearby = self.nearby(commune_id, kind)
        if nearby:
            return nearby[int(rng.random() * len(nearby))]
        return local[int(rng.random() * len(local))] if local else None


@dataclass
class Window:
    """The days to generate, in seconds since the epoch (UTC), and the bounds every time must keep."""

    days: list[tuple[dt.date, int]]  # (local day, its local midnight as a UTC epoch second)
    earliest: int  # retention: nothing before this
    latest: int  # now: nothing after this

    @classmethod
    def of(cls, as_of: dt.date, days: int, now: dt.datetime, retention_days: int) -> Window:
        chosen = []
        for back in range(days - 1, -1, -1):
            day = as_of - dt.timedelta(days=back)
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM)
            chosen.append((day, int(midnight.timestamp())))
        return cls(chosen, int((now - dt.timedelta(days=retention_days)).timestamp()) + 1, int(now.timestamp()))

    def usable(self) -> list[tuple[dt.date, int]]:
        return [(day, start) for day, start in self.days if start + 86_400 > self.earliest and start <= self.latest]


@dataclass
class Clock:
    """Epoch seconds as the text the database stores, with the per-minute part cached."""

    suffix: str
    cache: dict[int, str] = field(default_factory=dict)

    def text(self, epoch: int) -> str:
        minute, second = divmod(epoch, 60)
        prefix = self.cache.get(minute)
        if prefix is None:
            prefix = dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%Y-%m-%d %H:%M")
            self.cache[minute] = prefix
        return f"{prefix}:{second:02d}{self.suffix}"


@dataclass
class Plan:
    """One adopter's fixed places."""

    commune_id: int
    age: int
    workplace: int | None = None
    school: int | None = None


def _table(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    return [value for value, _w in pairs], list(accumulate(weight for _v, weight in pairs))


class CheckInStep:
    """Daily check-ins of the people who use the app, for ``--days`` days ending on the reference date."""

    name = "checkins"
    extra: tuple[Any, ...] = ()  # values of the columns the step does not set itself

    def run(self, context: SynthContext) -> None:
        options = context.options
        if not 0 <= options.adoption <= 1:
            raise SynthError("The adoption share must be between 0 and 1.")
        if not 1 <= options.days <= MAX_DAYS:
            raise SynthError(f"Check-ins can be generated for 1 to {MAX_DAYS} days.")
        venues: list[SynthVenue] = context.shared.get("venues", [])
        people = context.run.id_range("person")
        retention = int(settings.PHONGDICH.get("CHECKIN_RETENTION_DAYS", 21))
        window = Window.of(options.as_of, options.days, context.now, retention)
        usable = window.usable()
        context.counts["checkins"] = 0
        context.counts["checkin_people"] = 0
        if not venues or not people or not usable or options.adoption <= 0:
            return
        writer = context.writer
        ensure_partitions(context.now)
        index = VenueIndex(venues, context.communes)
        clock = Clock("+00" if writer.vendor == "postgresql" else "")
        columns, extra = model_columns(CheckIn, CHECKIN_FIELDS, writer)
        self.extra = extra
        tourism_districts = {d.pk for d in context.districts if d.code == TOURISM_DISTRICT}
        tourism_communes = {c.pk for c in context.communes if c.parent_id in tourism_districts}
        codes = {c.pk: c.code for c in context.communes}
        tourist_sites = [v for v in index.by_kind.get(K.TOURIST_SITE, []) if index.commune_of[v] in tourism_communes]
        tourist_sites = tourist_sites or index.by_kind.get(K.TOURIST_SITE, [])
        total = users = 0
        for commune_id, residents in self._residents(people, context.communes):
            rng = context.rng("checkins", codes[commune_id])
            rows: list[tuple[Any, ...]] = []
            for person_id, birth_year in residents:
                if rng.random() >= options.adoption:
                    continue
                age = options.as_of.year - birth_year
                plan = self._plan(rng, index, commune_id, age)
                made = self._visits(rng, index, plan, person_id, usable, window, clock, tourist_sites, rows)
                if made == 0:
                    # Everyone who uses the app checks in at least once in the period.
                    made = self._errand_fallback(rng, index, plan, person_id, usable, window, clock, rows)
                if made:
                    users += 1
                    total += made
            if rows:
                writer.insert(CheckIn, columns, rows)
        context.counts["checkins"] = total
        context.counts["checkin_people"] = users

    def _residents(self, people: tuple[int, int], communes: Sequence[Any]) -> list[tuple[int, list[tuple[int, int]]]]:
        """(commune id, [(person id, birth year), …]) in commune order, people by id."""
        grouped: dict[int, list[tuple[int, int]]] = {}
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, home_commune_id, date_of_birth FROM {table} WHERE id BETWEEN %s AND %s ORDER BY id",  # noqa: S608
                list(people),
            )
            while batch := cursor.fetchmany(50_000):
                for person_id, commune_id, born in batch:
                    grouped.setdefault(commune_id, []).append((person_id, int(str(born)[:4])))
        return [(commune.pk, grouped[commune.pk]) for commune in communes if commune.pk in grouped]

    def _plan(self, rng: random.Random, index: VenueIndex, commune_id: int, age: int) -> Plan:
        plan = Plan(commune_id, age)
        if WORKING_AGES[0] <= age <= WORKING_AGES[1] and rng.random() < EMPLOYED_SHARE:
            kind = K.OFFICE if rng.random() < 0.6 else K.FACTORY
            plan.workplace = index.pick(rng, commune_id, kind, WORKPLACE_NEAR_HOME)
        elif SCHOOL_AGES[0] <= age <= SCHOOL_AGES[1] and rng.random() < AT_SCHOOL_SHARE:
            plan.school = index.pick(rng, commune_id, K.SCHOOL, 0.9)
        return plan

    def _visits(
        self,
        rng: random.Random,
        index: VenueIndex,
        plan: Plan,
        person_id: int,
        days: list[tuple[dt.date, int]],
        window: Window,
        clock: Clock,
        tourist_sites: list[int],
        rows: list[tuple[Any, ...]],
    ) -> int:
        random_ = rng.random
        visits: list[tuple[int, int, int]] = []  # venue, local minute of the day, stay in minutes
        made = 0
        for day, midnight in days:
            visits.clear()
            weekday = day.weekday()
            weekend = weekday >= 5
            working = False
            if plan.workplace is not None and (not weekend or (weekday == 5 and random_() < 0.35)):
                working = True
                start = 390 + int(random_() * 120)
                if index.commune_of[plan.workplace] != plan.commune_id and random_() < 0.12:
                    bus = index.pick(rng, plan.commune_id, K.BUS, 0.8)
                    if bus is not None:
                        visits.append((bus, start - 45, 35))
                visits.append((plan.workplace, start, 470 + int(random_() * 90)))
                if random_() < 0.3:  # lunch near work
                    meal = index.pick(rng, index.commune_of[plan.workplace], K.RESTAURANT, 0.85)
                    if meal is not None:
                        visits.append((meal, 675 + int(random_() * 90), 30 + int(random_() * 45)))
            if plan.school is not None and not weekend:
                visits.append((plan.school, 405 + int(random_() * 45), 270 if random_() < 0.5 else 540))
            if random_() < (0.4 if working else 0.7 if weekend else 0.55):
                kind = ERRAND_TABLE[0][bisect_right(ERRAND_TABLE[1], random_() * ERRAND_TABLE[1][-1])]
                venue = index.pick(rng, plan.commune_id, kind, 0.8)
                if venue is not None:
                    at = (1050 + int(random_() * 180)) if working else (360 + int(random_() * 840))
                    visits.append((venue, at, 10 + int(random_() * 40)))
            if plan.age >= 16 and random_() < (0.25 if weekend else 0.15):
                venue = index.pick(rng, plan.commune_id, K.RESTAURANT, 0.75)
                if venue is not None:
                    visits.append((venue, 1080 + int(random_() * 180), 40 + int(random_() * 80)))
            if random_() < 0.012:
                venue = index.pick(rng, plan.commune_id, K.CLINIC, 0.8)
                if venue is not None:
                    visits.append((venue, 450 + int(random_() * 480), 30 + int(random_() * 120)))
            if random_() < (0.05 if weekend else 0.015):
                venue = index.pick(rng, plan.commune_id, K.RELIGIOUS_SITE, 0.7)
                if venue is not None:
                    visits.append((venue, 360 + int(random_() * 660), 30 + int(random_() * 90)))
            if random_() < 0.004:
                venue = index.pick(rng, plan.commune_id, K.EVENT, 0.8)
                if venue is not None:
                    visits.append((venue, 480 + int(random_() * 720), 60 + int(random_() * 120)))
            if tourist_sites and random_() < (0.02 if weekend else 0.005):
                site = tourist_sites[int(random_() * len(tourist_sites))]
                at = 480 + int(random_() * 300)
                site_commune = index.commune_of[site]
                ferry = index.pick(rng, site_commune, K.FERRY, 1.0) if random_() < 0.4 else None
                if ferry is not None:
                    visits.append((ferry, at - 30, 25))
                visits.append((site, at, 120 + int(random_() * 180)))
                meal = index.pick(rng, site_commune, K.RESTAURANT, 0.9)
                if meal is not None:
                    visits.append((meal, at + 320, 60 + int(random_() * 40)))
            made += self._write(rng, visits, person_id, midnight, window, clock, rows)
        return made

    def _errand_fallback(
        self,
        rng: random.Random,
        index: VenueIndex,
        plan: Plan,
        person_id: int,
        days: list[tuple[dt.date, int]],
        window: Window,
        clock: Clock,
        rows: list[tuple[Any, ...]],
    ) -> int:
        _day, midnight = days[int(rng.random() * len(days))]
        if midnight + 360 * 60 > window.latest:  # today, too early for anything yet
            midnight = days[0][1]
        for kind in (K.SHOP, K.MARKET, K.PHARMACY, K.RESTAURANT, K.SUPERMARKET):
            venue = index.pick(rng, plan.commune_id, kind, 0.8)
            if venue is not None:
                visit = [(venue, 360 + int(rng.random() * 600), 20)]
                return self._write(rng, visit, person_id, midnight, window, clock, rows)
        return 0

    def _write(
        self,
        rng: random.Random,
        visits: list[tuple[int, int, int]],
        person_id: int,
        midnight: int,
        window: Window,
        clock: Clock,
        rows: list[tuple[Any, ...]],
    ) -> int:
        random_ = rng.random
        made = 0
        text = clock.text
        methods, method_weights = METHOD_TABLE
        extra = self.extra
        for venue, minute, stay in visits:
            checked_in = midnight + minute * 60 + int(random_() * 60)
            if checked_in > window.latest or checked_in < window.earliest:
                continue
            checked_out = None
            if random_() < EXPLICIT_CHECKOUT_SHARE:
                out = checked_in + stay * 60 + int(random_() * 60)
                if out <= window.latest:
                    checked_out = text(out)
            stamp = text(checked_in)
            rows.append(
                (
                    f"{(rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}",
                    stamp,
                    venue,
                    person_id,
                    "",
                    "",
                    checked_out,
                    False,
                    methods[bisect_right(method_weights, random_() * method_weights[-1])],
                    stamp,
                    *extra,
                )
            )
            made += 1
        return made

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        """Check-ins at the run's venues or by its people, whoever recorded them."""
        conditions = []
        params: list[int] = []
        for key, column in (("venue", "venue_id"), ("person", "person_id")):
            bounds = run.id_range(key)
            if bounds:
                conditions.append(f"{column} BETWEEN %s AND %s")
                params.extend(bounds)
        if not conditions:
            return
        table = connection.ops.quote_name(CheckIn._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {' OR '.join(conditions)}", params)  # noqa: S608


ERRAND_TABLE: tuple[list[Any], list[float]] = _table(ERRAND_KINDS)
METHOD_TABLE: tuple[list[Any], list[float]] = _table(METHODS)
