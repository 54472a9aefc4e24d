"""A synthetic outbreak that spreads through the venues and households of the synthetic province.

A few people who use the app are infected some days before the check-in window (``--outbreak N`` index
infections). Day by day, anyone infectious passes the virus on:

- at a venue, to people whose stay there overlapped theirs. Stays are the generated check-ins: from the
  scan to the check-out, or, for a scan left open, to the scan plus the venue type's usual stay (the
  generator's stand-in for when they really left, which the platform never sees). The chance grows with
  the overlap and depends on the kind of venue;
- at home, to the other members of their household, a little every day they are infectious.

Each infection draws its course (symptoms or not, incubation, onset) and the person's testing behaviour:
most people with symptoms get tested after a delay (RT-PCR, or a rapid antigen test confirmed by RT-PCR
when the confirmation policy does not count antigen), a negative with symptoms is sometimes retested,
and a confirmed case's household and some of the people truly co-present with them are tested a day or
so later (most of them negative). People isolate from the sample that found them, and contacts tested
are quarantined: neither infects anyone after that. Samples and results are recorded through the testing
services, by the province laboratory's account, so confirmed results open cases (and contact tracing)
exactly as real ones do. Nothing dated after the reference date (or now) is written.

The true transmissions, and the course drawn for each infected person, go to ``synth.TransmissionEvent``:
an evaluation table no screen reads (see ``synth.evaluation``). Deterministic for the seed.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account
from phongdich.checkins.models import CheckIn
from phongdich.core.errors import DomainError
from phongdich.people.models import Person
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.checkins_step import Window
from phongdich.synth.generator import SynthContext, SynthError
from phongdich.synth.models import SynthRun, TransmissionEvent, TransmissionSetting
from phongdich.venues.models import VenueKind

K = VenueKind
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MINUTE = 60
HOUR = 3_600
DAY = 86_400
MAX_INDEX_INFECTIONS = 200
DEFAULT_OUTBREAK = 3  # index infections for `phongdich synth` (SynthOptions alone defaults to none)

# --- Natural history (the Delta variant, mid-2021) -------------------------------------------------
SYMPTOMATIC_SHARE = 0.65
INCUBATION_MEDIAN_DAYS = 4.4  # log-normal, clipped below
INCUBATION_SIGMA = 0.4
INCUBATION_DAYS = (2.5, 12.0)
INFECTIOUS_BEFORE_ONSET_DAYS = 2.0
INFECTIOUS_AFTER_ONSET_DAYS = 8.0
ASYMPTOMATIC_LATENT_DAYS = (2.5, 4.0)
ASYMPTOMATIC_INFECTIOUS_DAYS = 7.0
ASYMPTOMATIC_INFECTIOUSNESS = 0.6  # relative to a symptomatic case
INDEX_INFECTED_DAYS_BEFORE = (2.0, 5.5)  # index infections happen before the check-in window

# --- Transmission ----------------------------------------------------------------------------------
# Chance of infecting a person co-present for a long time, by kind of venue (a short overlap less:
# × (1 − e^(−minutes/60))). Open or large places are safer than closed rooms where people sit together.
VENUE_RISK: dict[str, float] = {
    K.MARKET: 0.006,
    K.SUPERMARKET: 0.006,
    K.SHOP: 0.01,
    K.RESTAURANT: 0.03,
    K.OFFICE: 0.005,  # long overlaps with every colleague checked in: low per pair
    K.FACTORY: 0.004,
    K.SCHOOL: 0.004,
    K.CLINIC: 0.015,
    K.PHARMACY: 0.01,
    K.HOTEL: 0.005,
    K.TOURIST_SITE: 0.003,
    K.BUS: 0.02,
    K.FERRY: 0.015,
    K.STATION: 0.005,
    K.RELIGIOUS_SITE: 0.015,
    K.EVENT: 0.03,
}
DEFAULT_VENUE_RISK = 0.01
OVERLAP_SCALE_MINUTES = 60.0
HOUSEHOLD_DAILY_RATE = 0.07  # hazard per day shared with an infectious member (≈ 25 % over an illness)
# How far back a stay still going on may have started: the longest stay of the mobility model (a hotel).
LONGEST_STAY = 13 * HOUR

# --- Testing behaviour -----------------------------------------------------------------------------
SEEKS_TEST_SHARE = 0.85  # of people with symptoms
TEST_DELAY_MEAN_DAYS = 1.0  # after onset, exponential, at most:
TEST_DELAY_MAX_DAYS = 4.0
ANTIGEN_FIRST_SHARE = 0.4  # of people with symptoms, a rapid test by the commune station first
DETECTABLE_AFTER_DAYS = 2.0  # a test finds the virus from this long after infection
PCR_SENSITIVITY = 0.95
ANTIGEN_SENSITIVITY = 0.8
INVALID_SHARE = 0.004
PCR_REPORT_HOURS = (5.0, 30.0)
ANTIGEN_REPORT_MINUTES = (15, 30)
RETEST_AFTER_NEGATIVE_SHARE = 0.6  # of people with symptoms and a negative result
RETEST_AFTER_DAYS = (1.0, 3.0)
HOUSEHOLD_TESTED_SHARE = 0.9  # of a confirmed case's household
VENUE_CONTACT_TESTED_SHARE = 0.5  # of the people truly co-present with a confirmed case
MAX_VENUE_CONTACTS_TESTED = 40  # per case
CONTACT_TEST_DELAY_HOURS = (3.0, 36.0)  # after the case's confirming result
ONSET_KNOWN_SHARE = 0.9  # of cases with symptoms: the investigator records the onset date
CT_RANGE = (14.0, 33.0)


def lab_username(province_code: str) -> str:
    return f"xetnghiem-{province_code}"


def lab_name(context: SynthContext) -> str:
    """The province CDC's laboratory: "CDC Quảng Ninh"."""
    name = context.province.short_name or context.province.name
    for prefix in ("Tỉnh ", "Thành phố "):
        name = name.removeprefix(prefix)
    return f"CDC {name}"


# ---------------------------------------------------------------------------------------------------
# The simulation's records


@dataclass
class Infection:
    person: int
    at: int  # epoch seconds, UTC
    setting: str
    infector: int | None = None
    venue: int | None = None
    infector_scan: int | None = None
    infectee_scan: int | None = None
    overlap_minutes: int | None = None
    symptomatic: bool = True
    onset: int | None = None
    infectious_from: int = 0
    infectious_until: int = 0
    infectiousness: float = 1.0


@dataclass(order=True)
class PlannedSample:
    taken_at: int
    sequence: int
    person: int = field(compare=False)
    test_type: str = field(compare=False)
    reason: str = field(compare=False)  # symptoms, retest, confirm, household, venue_contact


@dataclass
class SampleRecord:
    person: int
    test_type: str
    taken_at: int
    reason: str
    result: str = ""
    reported_at: int | None = None
    ct_value: Decimal | None = None
    uuid: UUID | None = None


@dataclass(frozen=True)
class Stay:
    """A check-in as a stay at a venue: true presence from ``start`` to ``end`` (epoch seconds)."""

    person: int
    venue: int
    scan: int
    start: int
    end: int


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def _aware(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _local_midnight(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM).timestamp())


def _local_day(epoch: int) -> dt.date:
    return dt.datetime.fromtimestamp(epoch, VIETNAM).date()


def _daytime(rng: random.Random, epoch: int, first_hour: float = 7.0, last_hour: float = 17.0) -> int:
    """The same local day at a random office hour, or the next day's when that hour has passed."""
    day = _local_day(epoch)
    midnight = _local_midnight(day)
    at = midnight + int((first_hour + rng.random() * (last_hour - first_hour)) * HOUR)
    if at < epoch:
        at += DAY
    return at


# ---------------------------------------------------------------------------------------------------
# Reading stays from the generated check-ins


class StayReader:
    """Stays from the check-ins the run wrote, with the true end of a scan left open."""

    def __init__(self, venue_kinds: dict[int, str]) -> None:
        from phongdich.venues.services import default_stay_minutes

        self.kind = venue_kinds
        self.usual_stay = {kind: default_stay_minutes(kind) * MINUTE for kind in K.values}

    def _stays(self, rows: Iterable[tuple[Any, ...]]) -> list[Stay]:
        stays = []
        for person, venue, checked_in, checked_out in rows:
            scan = _epoch(checked_in)
            if checked_out is not None:
                end = _epoch(checked_out)
            else:
                end = scan + self.usual_stay.get(self.kind.get(venue, ""), HOUR)
            stays.append(Stay(person, venue, scan, scan, max(end, scan + MINUTE)))
        return stays

    def of_people(self, people: Sequence[int], start: int, end: int) -> list[Stay]:
        """Stays of these people scanned in [start, end), by person and time."""
        stays: list[Stay] = []
        for chunk in range(0, len(people), 500):
            rows = (
                CheckIn.objects.filter(
                    person_id__in=people[chunk : chunk + 500],
                    checked_in_at__gte=_aware(start),
                    checked_in_at__lt=_aware(end),
                )
                .order_by("person_id", "checked_in_at", "uuid")
                .values_list("person_id", "venue_id", "checked_in_at", "checked_out_at")
            )
            stays.extend(self._stays(rows))
        return stays

    def at_venues(self, venues: Sequence[int], start: int, end: int) -> dict[int, list[Stay]]:
        """Stays of registry people at these venues going on at some time in [start, end), by venue."""
        found: dict[int, list[Stay]] = {}
        for chunk in range(0, len(venues), 500):
            rows = (
                CheckIn.objects.filter(
                    venue_id__in=venues[chunk : chunk + 500],
                    person__isnull=False,
                    checked_in_at__gte=_aware(start - LONGEST_STAY),
                    checked_in_at__lt=_aware(end),
                )
                .order_by("venue_id", "checked_in_at", "person_id", "uuid")
                .values_list("person_id", "venue_id", "checked_in_at", "checked_out_at")
            )
            for stay in self._stays(rows):
                if stay.end > start:
                    found.setdefault(stay.venue, []).append(stay)
        return found


# ---------------------------------------------------------------------------------------------------
# The simulation


@dataclass
class OutbreakResult:
    infections: dict[int, Infection]
    samples: list[SampleRecord]
    isolated: dict[int, int]  # person -> isolation or quarantine start (epoch)
    confirmed: dict[int, int]  # person -> time of the confirming result
    found_by: dict[int, str]  # person -> why the first positive sample was taken
    end: int  # nothing after this was simulated (the reference date's end, or now)


class Outbreak:
    """The day-by-day simulation. Reads stays and households from the database; writes nothing."""

    def __init__(
        self,
        context: SynthContext,
        reader: StayReader,
        window_days: list[tuple[dt.date, int]],
        end: int,
        antigen_confirms: Any,
    ) -> None:
        self.context = context
        self.reader = reader
        self.window_days = window_days
        self.window_start = window_days[0][1]
        self.end = end
        self.rate = context.options.outbreak_rate
        self.antigen_confirms = antigen_confirms  # (date) -> bool, from the confirmation policy in force
        self.infections: dict[int, Infection] = {}
        self.isolated: dict[int, int] = {}
        self.confirmed: dict[int, int] = {}
        self.found_by: dict[int, str] = {}  # person -> why the sample that found them was taken
        self.planned: list[PlannedSample] = []
        self.samples: list[SampleRecord] = []
        self.tested_on: set[tuple[int, dt.date, str]] = set()
        self.households: dict[int, int | None] = {}
        self.members: dict[int, list[int]] = {}
        self._sequence = 0
        self.test_rng = context.rng("outbreak-tests")

    # --- courses and plans

    def infect(self, infection: Infection, rng: random.Random, *, index: bool = False) -> None:
        """Draw the course of a new infection and plan the tests it leads to."""
        symptomatic = index or rng.random() < SYMPTOMATIC_SHARE
        infection.symptomatic = symptomatic
        if symptomatic:
            incubation = min(
                max(rng.lognormvariate(math.log(INCUBATION_MEDIAN_DAYS), INCUBATION_SIGMA), INCUBATION_DAYS[0]),
                INCUBATION_DAYS[1],
            )
            infection.onset = infection.at + int(incubation * DAY)
            infection.infectious_from = infection.onset - int(INFECTIOUS_BEFORE_ONSET_DAYS * DAY)
            infection.infectious_until = infection.onset + int(INFECTIOUS_AFTER_ONSET_DAYS * DAY)
            infection.infectiousness = 1.0
            if index or rng.random() < SEEKS_TEST_SHARE:
                delay = min(rng.expovariate(1 / TEST_DELAY_MEAN_DAYS), TEST_DELAY_MAX_DAYS)
                taken = _daytime(rng, infection.onset + int(delay * DAY))
                test_type = "antigen" if rng.random() < ANTIGEN_FIRST_SHARE else "rt_pcr"
                self.plan(taken, infection.person, test_type, "symptoms")
        else:
            latent = rng.uniform(*ASYMPTOMATIC_LATENT_DAYS)
            infection.infectious_from = infection.at + int(latent * DAY)
            infection.infectious_until = infection.infectious_from + int(ASYMPTOMATIC_INFECTIOUS_DAYS * DAY)
            infection.infectiousness = ASYMPTOMATIC_INFECTIOUSNESS
        self.infections[infection.person] = infection

    def plan(self, taken_at: int, person: int, test_type: str, reason: str) -> None:
        self._sequence += 1
        heapq.heappush(self.planned, PlannedSample(taken_at, self._sequence, person, test_type, reason))

    def infectious_interval(self, person: int) -> tuple[int, int]:
        infection = self.infections[person]
        until = infection.infectious_until
        stopped = self.isolated.get(person)
        if stopped is not None:
            until = min(until, stopped)
        return infection.infectious_from, until

    def _available(self, person: int, at: int) -> bool:
        """Not infected yet, and not isolated or quarantined at that time."""
        if person in self.infections:
            return False
        stopped = self.isolated.get(person)
        return stopped is None or at < stopped

    # --- testing

    def take_samples(self, until: int) -> None:
        rng = self.test_rng
        while self.planned and self.planned[0].taken_at < until:
            planned = heapq.heappop(self.planned)
            self.take(planned, rng)

    def take(self, planned: PlannedSample, rng: random.Random) -> None:
        person, taken = planned.person, planned.taken_at
        if taken >= self.end:
            return
        if person in self.confirmed and planned.reason != "confirm":
            return
        key = (person, _local_day(taken), planned.test_type)
        if key in self.tested_on:
            return
        self.tested_on.add(key)
        record = SampleRecord(person, planned.test_type, taken, planned.reason)
        self.samples.append(record)
        infection = self.infections.get(person)
        detectable = infection is not None and taken - infection.at >= DETECTABLE_AFTER_DAYS * DAY
        pcr = planned.test_type == "rt_pcr"
        if pcr:
            reported = taken + int(rng.uniform(*PCR_REPORT_HOURS) * HOUR)
        else:
            reported = taken + int(rng.uniform(*ANTIGEN_REPORT_MINUTES) * MINUTE)
        if reported > self.end:
            return  # not back yet on the reference date: a sample waiting for its result
        record.reported_at = reported
        if rng.random() < INVALID_SHARE:
            record.result = "invalid"
            self.plan(taken + DAY, person, planned.test_type, planned.reason)
            return
        positive = detectable and rng.random() < (PCR_SENSITIVITY if pcr else ANTIGEN_SENSITIVITY)
        record.result = "positive" if positive else "negative"
        if pcr and positive:
            record.ct_value = Decimal(str(round(rng.uniform(*CT_RANGE), 2)))
        if positive:
            self.isolated[person] = min(self.isolated.get(person, taken), taken)
            self.found_by.setdefault(person, planned.reason)
            if pcr or self.antigen_confirms(_local_day(taken)):
                self.confirm(person, reported, rng)
            else:
                # The commune station sends a positive rapid test for RT-PCR at once.
                self.plan(taken + int(rng.uniform(0.5, 2.0) * HOUR), person, "rt_pcr", "confirm")
        elif (
            planned.reason in ("symptoms", "retest")
            and infection is not None
            and infection.symptomatic
            and rng.random() < RETEST_AFTER_NEGATIVE_SHARE
        ):
            later = _daytime(rng, taken + int(rng.uniform(*RETEST_AFTER_DAYS) * DAY))
            self.plan(later, person, "rt_pcr", "retest")

    def confirm(self, person: int, at: int, rng: random.Random) -> None:
        """A confirmed case: its household and some of the people truly co-present with it get tested."""
        if person in self.confirmed:
            return
        self.confirmed[person] = at
        tested: list[tuple[int, str]] = []
        for member in self.household_of(person):
            if member != person and member not in self.confirmed and rng.random() < HOUSEHOLD_TESTED_SHARE:
                tested.append((member, "household"))
        infection = self.infections.get(person)
        if infection is not None:
            start, until = self.infectious_interval(person)
            co_present = sorted(self.co_present(person, max(start, self.window_start), until))
            rng.shuffle(co_present)
            chosen = [p for p in co_present if rng.random() < VENUE_CONTACT_TESTED_SHARE]
            tested.extend((p, "venue_contact") for p in chosen[:MAX_VENUE_CONTACTS_TESTED])
        for contact, reason in tested:
            taken = at + int(rng.uniform(*CONTACT_TEST_DELAY_HOURS) * HOUR)
            self.plan(taken, contact, "rt_pcr", reason)
            # Tested as a contact: quarantined from the sample on.
            self.isolated[contact] = min(self.isolated.get(contact, taken), taken)

    def co_present(self, person: int, start: int, end: int) -> set[int]:
        if end <= start:
            return set()
        own = [s for s in self.reader.of_people([person], start - LONGEST_STAY, end) if s.end > start]
        if not own:
            return set()
        by_venue = self.reader.at_venues(sorted({s.venue for s in own}), start, end)
        found: set[int] = set()
        for stay in own:
            a, b = max(stay.start, start), min(stay.end, end)
            for other in by_venue.get(stay.venue, []):
                if other.person != person and min(b, other.end) > max(a, other.start):
                    found.add(other.person)
        return found

    def household_of(self, person: int) -> list[int]:
        if person not in self.households:
            self.households[person] = Person.objects.filter(pk=person).values_list("household_id", flat=True).first()
        household = self.households[person]
        if household is None:
            return []
        if household not in self.members:
            self.members[household] = list(
                Person.objects.filter(household_id=household).order_by("pk").values_list("pk", flat=True)
            )
        return self.members[household]

    # --- transmission

    def spread(self, day: dt.date, midnight: int, venues_open: bool) -> None:
        """Every transmission of one local day, from the people infectious during it."""
        day_end = min(midnight + DAY, self.end)
        if day_end <= midnight:
            return
        rng = self.context.rng("outbreak", day.isoformat())
        infectious: dict[int, tuple[int, int]] = {}
        for person in sorted(self.infections):
            start, until = self.infectious_interval(person)
            start, until = max(start, midnight), min(until, day_end)
            if until > start:
                infectious[person] = (start, until)
        if not infectious:
            return
        candidates: list[Infection] = []
        if venues_open:
            candidates.extend(self._venue_exposures(rng, infectious, midnight, day_end))
        candidates.extend(self._household_exposures(rng, infectious))
        earliest: dict[int, Infection] = {}
        for candidate in candidates:
            known = earliest.get(candidate.person)
            if known is None or candidate.at < known.at:
                earliest[candidate.person] = candidate
        course_rng = self.context.rng("outbreak-course", day.isoformat())
        for person in sorted(earliest):
            self.infect(earliest[person], course_rng)

    def _venue_exposures(
        self, rng: random.Random, infectious: dict[int, tuple[int, int]], midnight: int, day_end: int
    ) -> list[Infection]:
        own = [s for s in self.reader.of_people(sorted(infectious), midnight, day_end)]
        if not own:
            return []
        by_venue = self.reader.at_venues(sorted({s.venue for s in own}), midnight, day_end + LONGEST_STAY)
        found: list[Infection] = []
        for stay in own:
            start, until = infectious[stay.person]
            a, b = max(stay.start, start), min(stay.end, until)
            if b <= a:
                continue
            risk = VENUE_RISK.get(self.reader.kind.get(stay.venue, ""), DEFAULT_VENUE_RISK)
            weight = risk * self.infections[stay.person].infectiousness * self.rate
            for other in by_venue.get(stay.venue, []):
                if other.person == stay.person:
                    continue
                overlap_start, overlap_end = max(a, other.start), min(b, other.end)
                if overlap_end <= overlap_start:
                    continue
                minutes = (overlap_end - overlap_start) / MINUTE
                chance = min(1.0, weight * (1 - math.exp(-minutes / OVERLAP_SCALE_MINUTES)))
                if rng.random() >= chance:
                    continue
                at = overlap_start + (overlap_end - overlap_start) // 2
                if not self._available(other.person, at):
                    continue
                found.append(
                    Infection(
                        person=other.person,
                        at=at,
                        setting=TransmissionSetting.VENUE,
                        infector=stay.person,
                        venue=stay.venue,
                        infector_scan=stay.scan,
                        infectee_scan=other.scan,
                        overlap_minutes=max(1, round(minutes)),
                    )
                )
        return found

    def _household_exposures(self, rng: random.Random, infectious: dict[int, tuple[int, int]]) -> list[Infection]:
        found: list[Infection] = []
        for person, (start, until) in infectious.items():
            members = self.household_of(person)
            if len(members) < 2:
                continue
            days = (until - start) / DAY
            chance = 1 - math.exp(-HOUSEHOLD_DAILY_RATE * days * self.infections[person].infectiousness * self.rate)
            for member in members:
                if member == person or rng.random() >= chance:
                    continue
                at = start + int(rng.random() * (until - start))
                if self._available(member, at):
                    found.append(
                        Infection(person=member, at=at, setting=TransmissionSetting.HOUSEHOLD, infector=person)
                    )
        return found

    # --- the whole run

    def run(self, index_people: Sequence[int]) -> OutbreakResult:
        seed_rng = self.context.rng("outbreak-index")
        for person in index_people:
            before = seed_rng.uniform(*INDEX_INFECTED_DAYS_BEFORE)
            infection = Infection(person=person, at=self.window_start - int(before * DAY), setting="index")
            self.infect(infection, seed_rng, index=True)
        first = min((i.at for i in self.infections.values()), default=self.window_start)
        day = _local_day(first)
        window = {d for d, _m in self.window_days}
        while (midnight := _local_midnight(day)) < self.end:
            self.take_samples(midnight + DAY)
            self.spread(day, midnight, venues_open=day in window)
            day += dt.timedelta(days=1)
        # Samples planned before the end by the last day's events.
        self.take_samples(self.end)
        return OutbreakResult(self.infections, self.samples, self.isolated, self.confirmed, self.found_by, self.end)


# ---------------------------------------------------------------------------------------------------
# The step


class OutbreakStep:
    """Seeds and spreads the outbreak, records its tests through the testing services, keeps the truth."""

    name = "outbreak"

    def run(self, context: SynthContext) -> None:
        options = context.options
        context.counts["outbreak_index"] = 0
        context.counts["outbreak_infections"] = 0
        if options.outbreak <= 0:
            return
        if options.outbreak > MAX_INDEX_INFECTIONS:
            raise SynthError(f"At most {MAX_INDEX_INFECTIONS} index infections.")
        if options.outbreak_rate < 0:
            raise SynthError("The transmission rate multiplier cannot be negative.")
        people = context.run.id_range("person")
        venues = context.shared.get("venues", [])
        retention = int(settings.PHONGDICH.get("CHECKIN_RETENTION_DAYS", 21))
        window = Window.of(options.as_of, options.days, context.now, retention)
        usable = window.usable()
        if not people or not venues or not usable:
            return
        end = min(usable[-1][1] + DAY, window.latest)
        index = self._index_people(context, people, usable)
        if not index:
            return
        reader = StayReader({venue.id: venue.kind for venue in venues})
        simulation = Outbreak(context, reader, usable, end, self._antigen_rule())
        result = simulation.run(index)
        lab = self._lab_account(context)
        self._write_truth(context, result)
        written = self._write_samples(context, lab, result)
        investigated = self._investigate(context, result)
        context.counts["outbreak_index"] = len(index)
        context.counts["outbreak_infections"] = len(result.infections)
        context.counts["outbreak_venue_transmissions"] = sum(
            1 for i in result.infections.values() if i.setting == TransmissionSetting.VENUE
        )
        context.counts["outbreak_household_transmissions"] = sum(
            1 for i in result.infections.values() if i.setting == TransmissionSetting.HOUSEHOLD
        )
        context.counts["outbreak_samples"] = written
        context.counts["outbreak_positive_results"] = sum(1 for s in result.samples if s.result == "positive")
        context.counts["outbreak_negative_results"] = sum(1 for s in result.samples if s.result == "negative")
        context.counts["outbreak_confirmed"] = len(result.confirmed)
        context.counts["outbreak_cases_investigated"] = investigated

    def _index_people(
        self, context: SynthContext, people: tuple[int, int], usable: list[tuple[dt.date, int]]
    ) -> list[int]:
        """Index infections among the people who check in on the first day of the window."""
        first_day_start = usable[0][1]
        candidates = list(
            CheckIn.objects.filter(
                person_id__gte=people[0],
                person_id__lte=people[1],
                checked_in_at__gte=_aware(first_day_start),
                checked_in_at__lt=_aware(first_day_start + DAY),
            )
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()
        )
        if not candidates:
            return []
        rng = context.rng("outbreak-index-people")
        return sorted(rng.sample(candidates, min(context.options.outbreak, len(candidates))))

    def _antigen_rule(self) -> Any:
        from phongdich.cases.models import ConfirmationPolicy

        def antigen_confirms(day: dt.date) -> bool:
            policy = ConfirmationPolicy.in_force(day)
            return policy is not None and policy.confirms("antigen", day)

        return antigen_confirms

    def _lab_account(self, context: SynthContext) -> User:
        """The province laboratory's account the results are recorded by (kept across runs, like staff)."""
        username = lab_username(context.province.code)
        account = User.objects.filter(username=username).first()
        if account is None:
            account = create_account(
                username,
                role=Role.LAB_TECHNICIAN,
                units=[context.province],
                password_hash=context.options.staff_password_hash,
                full_name=f"Phòng xét nghiệm {lab_name(context)}",
            )
            context.counts["outbreak_lab_account_created"] = 1
        return account

    def _write_truth(self, context: SynthContext, result: OutbreakResult) -> None:
        rows = []
        for infection in sorted(result.infections.values(), key=lambda i: (i.at, i.person)):
            isolated = result.isolated.get(infection.person)
            rows.append(
                TransmissionEvent(
                    run=context.run,
                    infectee_id=infection.person,
                    infector_id=infection.infector,
                    at=_aware(infection.at),
                    setting=infection.setting,
                    venue_id=infection.venue,
                    infector_checked_in_at=_aware(infection.infector_scan) if infection.infector_scan else None,
                    infectee_checked_in_at=_aware(infection.infectee_scan) if infection.infectee_scan else None,
                    overlap_minutes=infection.overlap_minutes,
                    symptomatic=infection.symptomatic,
                    onset_at=_aware(infection.onset) if infection.onset is not None else None,
                    isolated_at=_aware(isolated) if isolated is not None else None,
                )
            )
        TransmissionEvent.objects.bulk_create(rows, batch_size=2000)

    def _write_samples(self, context: SynthContext, lab: User, result: OutbreakResult) -> int:
        """Samples and results through the testing services, in the order the results came back."""
        from phongdich.testing import services as testing

        rng = context.rng("outbreak-uuids")
        lab_site = lab_name(context)
        ordered = sorted(result.samples, key=lambda s: (s.reported_at or s.taken_at, s.taken_at, s.person))
        born = dict(
            Person.objects.filter(pk__in={record.person for record in ordered}).values_list("pk", "date_of_birth")
        )
        first_id: int | None = None
        last_id: int | None = None
        refused = 0
        for record in ordered:
            record.uuid = UUID(int=rng.getrandbits(128), version=4)
            result_uuid = UUID(int=rng.getrandbits(128), version=4)
            if _local_day(record.taken_at) < born[record.person]:
                refused += 1  # a baby of the synthetic population born after this day: not tested
                continue
            try:
                recorded = self._record(testing, lab, lab_site, record, result_uuid)
            except DomainError:
                refused += 1  # the services refused it: counted, so a test can insist there are none
                continue
            sample_id = recorded.sample.pk
            first_id = sample_id if first_id is None else min(first_id, sample_id)
            last_id = sample_id if last_id is None else max(last_id, sample_id)
        if first_id is not None and last_id is not None:
            context.run.id_ranges["outbreak_sample"] = [first_id, last_id]
        context.counts["outbreak_samples_refused"] = refused
        return len(ordered) - refused

    @staticmethod
    def _record(testing: Any, lab: User, lab_site: str, record: SampleRecord, result_uuid: UUID) -> Any:
        return testing.record_sample(
            lab,
            testing.SampleInput(
                person=record.person,
                test_type=record.test_type,
                taken_at=_aware(record.taken_at),
                site="Trạm Y tế" if record.test_type == "antigen" else "",
                lab=lab_site if record.test_type == "rt_pcr" else "",
                uuid=record.uuid,
                result=record.result,
                ct_value=record.ct_value,
                reported_at=_aware(record.reported_at) if record.reported_at is not None else None,
                result_uuid=result_uuid if record.result else None,
            ),
        )

    def _investigate(self, context: SynthContext, result: OutbreakResult) -> int:
        """What the commune's investigator learns of each case the outbreak opened, entered as they would.

        Onset (most people with symptoms remember it), isolation (from the sample that found them), where
        the case was detected (among quarantined contacts, or in the community), clinical status and place
        of care. Through ``cases.services.update_case``, by the commune officer's account.
        """
        from phongdich.cases import services as cases
        from phongdich.cases.models import CarePlace, Case, ClinicalStatus, DetectedIn
        from phongdich.synth.generator import commune_username

        samples = context.run.id_range("outbreak_sample")
        if not samples:
            return 0
        opened = (
            Case.objects.filter(source_result__sample_id__gte=samples[0], source_result__sample_id__lte=samples[1])
            .select_related("commune")
            .order_by("pk")
        )
        officers = {user.username: user for user in User.objects.filter(username__startswith="xa-")}
        rng = context.rng("outbreak-investigation")
        done = 0
        for case in opened:
            officer = officers.get(commune_username(case.commune))
            infection = result.infections.get(case.person_id)
            if officer is None or infection is None:
                continue
            changes: dict[str, Any] = {}
            if infection.onset is not None and infection.onset <= result.end and rng.random() < ONSET_KNOWN_SHARE:
                changes["onset_date"] = _local_day(infection.onset)
            isolated = result.isolated.get(case.person_id)
            if isolated is not None and isolated < _epoch(case.confirmed_at):
                changes["isolated_at"] = _aware(isolated)
            if result.found_by.get(case.person_id) in ("household", "venue_contact"):
                changes["detected_in"] = DetectedIn.IN_QUARANTINE
            if infection.symptomatic:
                draw = rng.random()
                status = (
                    ClinicalStatus.MILD
                    if draw < 0.8
                    else ClinicalStatus.MODERATE
                    if draw < 0.95
                    else ClinicalStatus.SEVERE
                    if draw < 0.99
                    else ClinicalStatus.CRITICAL
                )
                changes["clinical_status"] = status
                if status != ClinicalStatus.MILD:
                    changes["care_place"] = CarePlace.HOSPITAL
                elif rng.random() < 0.7:
                    changes["care_place"] = CarePlace.TREATMENT_FACILITY
            try:
                cases.update_case(officer, case.pk, changes)
            except DomainError:
                context.counts["outbreak_investigations_refused"] = (
                    context.counts.get("outbreak_investigations_refused", 0) + 1
                )
                continue
            done += 1
        self._cluster(context, result, list(opened))
        return done

    def _cluster(self, context: SynthContext, result: OutbreakResult, opened: list[Any]) -> None:
        """One cluster (ổ dịch) per chain with two cases or more, as the investigators link them, named
        after the commune and day of its first case."""
        from phongdich.cases import services as cases

        def chain_of(person: int) -> int:
            seen = set()
            while True:
                infection = result.infections[person]
                if infection.infector is None or person in seen:
                    return person
                seen.add(person)
                person = infection.infector

        chains: dict[int, list[Any]] = {}
        for case in opened:
            if case.person_id in result.infections:
                chains.setdefault(chain_of(case.person_id), []).append(case)
        made = 0
        for _index, members in sorted(chains.items()):
            if len(members) < 2:
                continue
            first = min(members, key=lambda case: (case.confirmed_at, case.pk))
            day = timezone.localtime(first.confirmed_at).strftime("%d/%m")
            cluster = cases.create_cluster(
                None,
                cases.ClusterInput(
                    name=f"Ổ dịch {first.commune.name} ({day})",
                    commune=first.commune.code,
                    notes="Chuỗi lây nhiễm của dữ liệu tổng hợp (synthetic outbreak).",
                ),
            )
            cases.link_cases(None, cluster.pk, [case.pk for case in members], system=True)
            made += 1
        context.counts["outbreak_clusters"] = made

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        """The truth, and the samples the run recorded with all they led to (results, cases, contacts)."""
        from phongdich.cases.models import Case, Cluster
        from phongdich.testing.models import Sample, TestResult

        TransmissionEvent.objects.filter(run=run).delete()
        people = run.id_range("person")
        samples = run.id_range("outbreak_sample")
        if not people or not samples:
            return
        ours = Sample.objects.filter(
            pk__gte=samples[0], pk__lte=samples[1], person_id__gte=people[0], person_id__lte=people[1]
        )
        results = TestResult.objects.filter(sample__in=ours)
        cases = Case.objects.filter(source_result__in=results)
        clusters = set(cases.exclude(cluster__isnull=True).values_list("cluster_id", flat=True))
        cases.delete()
        # Clusters left without cases were the run's own.
        Cluster.objects.filter(pk__in=clusters).filter(~Q(cases__isnull=False)).delete()
        ours.delete()
