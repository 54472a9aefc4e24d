"""The synthetic province: a plan of steps run in order over one shared context.

Each step makes one kind of data (people and households, staff accounts …) and knows how to remove
what it made in an earlier run. A later app adds venues, check-ins or an outbreak by appending its own
step with :func:`register_step` (from its ``AppConfig.ready``): it finds the units and options it needs
on the context, records the id ranges it writes on ``context.run.id_ranges`` so ``--replace`` can
clear them, and adds its counts to ``context.counts`` (counts only: they go to the audit trail).

Randomness is deterministic: every step draws from ``context.rng(purpose, unit_code)``, a generator
seeded from the run's seed, a purpose and the unit, so communes are independent of each other and of
the order steps run in. The same seed, scale, reference date and database give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from typing import Any, Protocol

from django.db.models import Field

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account
from phongdich.core.text import search_key
from phongdich.geo.models import AdministrativeUnit, Kind
from phongdich.geo.services import national_age_shares
from phongdich.people.identity import cccd_century_sex_digit
from phongdich.people.models import Household, Person, PersonMerge, Sex
from phongdich.synth import names
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.models import SynthRun

# ---------------------------------------------------------------------------------------------------
# Population parameters. Shares are of the whole population unless said otherwise.

MALE: str = Sex.MALE.value
FEMALE: str = Sex.FEMALE.value
MAX_AGE = 99  # the census's top group is 80–99
# Ages in the top group thin out year by year rather than being spread evenly over twenty years.
OLD_AGE_FROM = 80
OLD_AGE_SURVIVAL = 0.8
# (persons, share of households): mean 3.47, close to the 2019 census's 3.5 persons per household.
HOUSEHOLD_SIZE_SHARES = ((1, 0.10), (2, 0.18), (3, 0.23), (4, 0.26), (5, 0.13), (6, 0.07), (7, 0.03))
ADULT_AGE = 18  # every household is headed by an adult
FAMILY_SURNAME_SHARE = 0.7  # of members after the head; the rest (spouses, in-laws) keep their own
CCCD_FROM_AGE = 14  # the age a citizen identity card is issued from
CCCD_SHARE = 0.985  # of those old enough: a few have not got one yet
URBAN_KINDS = frozenset({Kind.WARD, Kind.TOWNSHIP})  # addressed by house, group and quarter

# (network, share of subscribers, prefixes after +84; a 2-digit prefix stands for ten 3-digit blocks)
MOBILE_NETWORKS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("Viettel", 0.54, ("86", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39")),
    ("VinaPhone", 0.26, ("88", "91", "94", "81", "82", "83", "84", "85")),
    # Only 0896–0899 of the 089 range are assigned (and valid in the numbering plan).
    ("MobiFone", 0.18, ("896", "897", "898", "899", "90", "93", "70", "76", "77", "78", "79")),
    ("Vietnamobile", 0.02, ("92", "56", "58")),
)


def phone_share(age: int) -> float:
    """Share of people of this age with a mobile phone of their own."""
    if age < 12:
        return 0.0
    if age < 15:
        return 0.5
    if age < 18:
        return 0.85
    if age < 65:
        return 0.97
    if age < 75:
        return 0.85
    return 0.6


# ---------------------------------------------------------------------------------------------------
# The plan's framework


class SynthError(Exception):
    """The run cannot go ahead; the message says why, for the operator to read."""


@dataclass(frozen=True)
class SynthOptions:
    seed: int
    scale: float
    as_of: dt.date
    staff_password_hash: str
    replace: bool = False
    province_code: str | None = None
    adoption: float = 0.46  # share of people who check in with the app (Quảng Ninh, 2021)
    days: int = 1  # days of check-ins, ending on the reference date
    outbreak: int = 0  # index infections of the synthetic outbreak (0: none)
    outbreak_rate: float = 1.0  # multiplies every chance of transmission


@dataclass
class SynthContext:
    """What every step reads, and where steps leave counts and id ranges for the run record."""

    options: SynthOptions
    province: AdministrativeUnit
    districts: list[AdministrativeUnit]
    communes: list[AdministrativeUnit]
    run: SynthRun
    writer: BulkWriter
    now: dt.datetime
    counts: dict[str, int] = field(default_factory=dict)
    # What a step leaves for later steps (the venues step leaves its venues for the check-ins step).
    shared: dict[str, Any] = field(default_factory=dict)

    def rng(self, purpose: str, unit_code: str = "") -> random.Random:
        # A string seed is hashed with SHA-512 by random.Random: stable across processes and versions.
        return random.Random(f"{self.options.seed}:{purpose}:{unit_code}")

    def people_in(self, commune: AdministrativeUnit) -> int:
        return round((commune.population or 0) * self.options.scale)


class Step(Protocol):
    name: str

    def run(self, context: SynthContext) -> None:
        """Generate and write this step's data."""

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        """Remove what this step wrote in ``run`` (steps are cleared in reverse plan order)."""


@dataclass(frozen=True)
class WeightedTable:
    """Values with cumulative weights: a draw is one random() and one bisect, with no set-up per call."""

    values: tuple[Any, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[Any, float]]) -> WeightedTable:
        kept = [(value, weight) for value, weight in pairs if weight > 0]
        return cls(tuple(value for value, _w in kept), tuple(accumulate(weight for _v, weight in kept)))

    @property
    def total(self) -> float:
        return self.cumulative[-1]

    def draw(self, rng: random.Random) -> Any:
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


# ---------------------------------------------------------------------------------------------------
# Tables, built once per process


def _with_key(text: str) -> tuple[str, str]:
    """A name part and its search key. Keys of parts joined by spaces equal the key of the whole name."""
    return text, search_key(text)


@cache
def surname_table() -> WeightedTable:
    return WeightedTable.of((_with_key(name), share) for name, share in names.SURNAMES)


@cache
def middle_and_given_table(sex: str, recent: bool) -> WeightedTable:
    """'Middle Given' pairs for one sex and naming era; a middle name is never the given name too."""
    middles = names.MALE_MIDDLE if sex == MALE else names.FEMALE_MIDDLE
    givens = names.MALE_GIVEN if sex == MALE else names.FEMALE_GIVEN
    column = 2 if recent else 1
    return WeightedTable.of(
        (_with_key(f"{middle[0]} {given[0]}"), float(middle[column]) * float(given[column]))
        for middle in middles
        for given in givens
        if middle[0] != given[0]
    )


@cache
def age_table(minimum_age: int = 0) -> WeightedTable:
    """Single years of age from ``minimum_age``, weighted by the national 5-year shares."""
    weights: dict[int, float] = {}
    for low, high, share in national_age_shares():
        years = range(low, min(high, MAX_AGE) + 1)
        shape = [OLD_AGE_SURVIVAL ** (age - low) if low >= OLD_AGE_FROM else 1.0 for age in years]
        for age, part in zip(years, shape, strict=True):
            weights[age] = weights.get(age, 0.0) + share * part / sum(shape)
    return WeightedTable.of((age, weights[age]) for age in sorted(weights) if age >= minimum_age)


HOUSEHOLD_SIZES = WeightedTable.of(HOUSEHOLD_SIZE_SHARES)


@cache
def mobile_prefix_table() -> WeightedTable:
    """'+84' and the first three national digits; six random digits complete a number."""
    pairs: list[tuple[str, float]] = []
    for _network, share, prefixes in MOBILE_NETWORKS:
        blocks: list[str] = []
        for prefix in prefixes:
            blocks.extend([prefix] if len(prefix) == 3 else [prefix + str(digit) for digit in range(10)])
        pairs.extend(("+84" + block, share / len(blocks)) for block in blocks)
    return WeightedTable.of(pairs)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class BirthCalendar:
    """For each age on the reference date, the days a person of that age can have been born on.

    Days are indexes into ``iso`` and ``year``; a birthday is drawn uniformly within its age's window,
    which ends on the reference date for babies, so nobody is born after it.
    """

    first_day: tuple[int, ...]  # per age
    days_in_window: tuple[int, ...]  # per age
    iso: tuple[str, ...]  # per day
    year: tuple[int, ...]  # per day

    @classmethod
    def on(cls, as_of: dt.date) -> BirthCalendar:
        # Aged a on as_of: born after as_of minus (a + 1) years, on or before as_of minus a years.
        windows = [
            (_years_before(as_of, age + 1).toordinal() + 1, _years_before(as_of, age).toordinal())
            for age in range(MAX_AGE + 1)
        ]
        base = windows[-1][0]
        days = [dt.date.fromordinal(ordinal) for ordinal in range(base, as_of.toordinal() + 1)]
        return cls(
            first_day=tuple(first - base for first, _last in windows),
            days_in_window=tuple(last - first + 1 for first, last in windows),
            iso=tuple(day.isoformat() for day in days),
            year=tuple(day.year for day in days),
        )


# ---------------------------------------------------------------------------------------------------
# People and households

# An odd multiplier not divisible by 5 permutes 0..999999: serials look scattered and never repeat.
_SERIAL_SPACE = 1_000_000
_SERIAL_MULTIPLIER = 738_469


class CitizenIdAllocator:
    """Unique 12-digit CCCD numbers for births registered in one province.

    Each (century-and-sex digit, birth year) has its own space of a million serials, handed out in a
    scattered order from a counter, skipping any number the database already holds.
    """

    def __init__(self, province_prefix: str, taken: set[str], rng: random.Random) -> None:
        self.prefix = province_prefix
        self.taken = taken
        # Each space starts elsewhere, or the first person of every birth year would share a serial.
        self.offsets = {
            f"{digit}{year:02d}": rng.randrange(_SERIAL_SPACE) for digit in range(10) for year in range(100)
        }
        self.counters: dict[str, int] = {}
        self.issued = 0

    def next(self, century_sex_digit: str, year: int) -> str:
        key = f"{century_sex_digit}{year % 100:02d}"
        counter = self.counters.get(key, 0)
        while True:
            if counter >= _SERIAL_SPACE:
                raise SynthError("The scale is too large: the CCCD serials of one birth year are used up.")
            serial = (counter * _SERIAL_MULTIPLIER + self.offsets[key]) % _SERIAL_SPACE
            counter += 1
            number = f"{self.prefix}{key}{serial:06d}"
            if number not in self.taken:
                break
        self.counters[key] = counter
        self.issued += 1
        return number


class _AddressBook:
    """Addresses within a commune: "Số 12, Tổ 3, Khu 5" in wards and townships, "Thôn 4" in communes."""

    def __init__(self, commune: AdministrativeUnit, households: int, rng: random.Random) -> None:
        self.rng = rng
        self.urban = commune.kind in URBAN_KINDS
        census = commune.population or 0
        # Sized from the census, not the scale, so a small run still spreads over the whole commune.
        if self.urban:
            self.quarters = min(max(round(census / 1500), 3), 20)
            self.groups = 8
            self.houses = max(150, -(-2 * households // (self.quarters * self.groups)))
        else:
            self.villages = min(max(round(census / 600), 3), 25)
        self.used: set[str] = set()

    def next(self) -> str:
        random_ = self.rng.random
        if not self.urban:
            return f"Thôn {1 + int(random_() * self.villages)}"
        for _attempt in range(20):  # a free house number, nearly always at the first try
            address = (
                f"Số {1 + int(random_() * self.houses)}, Tổ {1 + int(random_() * self.groups)}, "
                f"Khu {1 + int(random_() * self.quarters)}"
            )
            if address not in self.used:
                break
        self.used.add(address)
        return address


def household_sizes(rng: random.Random, people: int) -> list[int]:
    """Sizes adding up to ``people``; the last household is cut short to fit."""
    sizes: list[int] = []
    placed = 0
    while placed < people:
        size = min(HOUSEHOLD_SIZES.draw(rng), people - placed)
        sizes.append(size)
        placed += size
    return sizes


def heads_and_members(rng: random.Random, people: int, households: int) -> tuple[list[int], list[int]]:
    """Ages: an adult head for each household, and everyone else in random order.

    Ages follow the national pyramid. Only a tiny commune (at a small scale) can draw fewer adults
    than households; a few children's ages are then redrawn as adults', so no child lives alone.
    """
    everyone = age_table()
    ages = rng.choices(everyone.values, cum_weights=everyone.cumulative, k=people)
    adults = [age for age in ages if age >= ADULT_AGE]
    minors = [age for age in ages if age < ADULT_AGE]
    missing = households - len(adults)
    if missing > 0:
        grown = age_table(ADULT_AGE)
        adults += rng.choices(grown.values, cum_weights=grown.cumulative, k=missing)
        del minors[:missing]
    members = adults[households:] + minors
    rng.shuffle(members)
    return adults[:households], members


PERSON_FIELDS = (
    "id",
    "full_name",
    "name_key",
    "sex",
    "date_of_birth",
    "citizen_id",
    "phone",
    "home_commune",
    "address",
    "household",
    "created_at",
    "updated_at",
)
HOUSEHOLD_FIELDS = ("id", "code", "commune", "address")


def _columns(model: type[Person] | type[Household], field_names: Sequence[str]) -> list[str]:
    columns = []
    for name in field_names:
        model_field = model._meta.get_field(name)
        assert isinstance(model_field, Field)
        columns.append(str(model_field.column))
    return columns


@dataclass
class _PeopleState:
    """What the communes of one run share: id counters and the numbers already handed out."""

    next_person_id: int
    next_household_id: int
    citizen_ids: CitizenIdAllocator
    household_codes_taken: set[str]
    phones_used: set[str]
    calendar: BirthCalendar
    century_sex_digit: dict[tuple[int, str], str]
    stamp: str


Row = tuple[Any, ...]


class PeopleStep:
    """Residents of every commune, in households, with names, birth dates, CCCD numbers and phones."""

    name = "people"

    def run(self, context: SynthContext) -> None:
        writer = context.writer
        writer.lock([Household, Person])
        province_prefix = f"{int(context.province.code):03d}"
        calendar = BirthCalendar.on(context.options.as_of)
        existing_ids = Person.objects.filter(citizen_id__startswith=province_prefix).values_list(
            "citizen_id", flat=True
        )
        state = _PeopleState(
            next_person_id=writer.first_free_id(Person),
            next_household_id=writer.first_free_id(Household),
            citizen_ids=CitizenIdAllocator(
                province_prefix, {number for number in existing_ids if number}, context.rng("citizen-id")
            ),
            household_codes_taken=set(
                Household.objects.filter(commune__in=context.communes).values_list("code", flat=True)
            ),
            phones_used=set(),
            calendar=calendar,
            century_sex_digit={
                (year, sex): cccd_century_sex_digit(year, sex) for year in set(calendar.year) for sex in (MALE, FEMALE)
            },
            stamp=writer.timestamp(context.now),
        )
        first_person, first_household = state.next_person_id, state.next_household_id
        person_columns = _columns(Person, PERSON_FIELDS)
        household_columns = _columns(Household, HOUSEHOLD_FIELDS)
        for commune in context.communes:
            households, people = self.commune_rows(context, commune, state)
            if people:
                writer.insert(Household, household_columns, households)
                writer.insert(Person, person_columns, people)
        last_person, last_household = state.next_person_id - 1, state.next_household_id - 1
        if last_person >= first_person:
            writer.ids_used_up_to(Person, last_person)
            context.run.id_ranges["person"] = [first_person, last_person]
        if last_household >= first_household:
            writer.ids_used_up_to(Household, last_household)
            context.run.id_ranges["household"] = [first_household, last_household]
        context.counts["people"] = last_person - first_person + 1
        context.counts["households"] = last_household - first_household + 1
        context.counts["people_with_citizen_id"] = state.citizen_ids.issued
        context.counts["people_with_phone"] = len(state.phones_used)

    def commune_rows(
        self, context: SynthContext, commune: AdministrativeUnit, state: _PeopleState
    ) -> tuple[list[Row], list[Row]]:
        """The household rows and person rows of one commune, for the caller to write.

        The loop over people is the hot path at full scale (1.3 million): tables are bound to locals
        and draws are inlined as bisects.
        """
        people = context.people_in(commune)
        if people <= 0:
            return [], []
        rng = context.rng("people", commune.code)
        random_ = rng.random
        sizes = household_sizes(rng, people)
        head_ages, member_ages = heads_and_members(rng, people, len(sizes))
        next_member_age = iter(member_ages).__next__
        addresses = _AddressBook(commune, len(sizes), rng)

        surnames = surname_table()
        surname_values, surname_cumulative, surname_total = surnames.values, surnames.cumulative, surnames.total
        name_tables = {}
        for sex in (MALE, FEMALE):
            for recent in (False, True):
                table = middle_and_given_table(sex, recent)
                name_tables[(sex, recent)] = (table.values, table.cumulative, table.total)
        phones = mobile_prefix_table()
        phone_values, phone_cumulative, phone_total = phones.values, phones.cumulative, phones.total
        phone_share_by_age = [phone_share(age) for age in range(MAX_AGE + 1)]
        calendar = state.calendar
        first_day, days_in_window, iso_day, year_of_day = (
            calendar.first_day,
            calendar.days_in_window,
            calendar.iso,
            calendar.year,
        )
        century_sex_digit = state.century_sex_digit
        next_citizen_id = state.citizen_ids.next
        phones_used = state.phones_used
        codes_taken = state.household_codes_taken
        recent_from = names.RECENT_NAMING_FROM_YEAR
        male, female, stamp, commune_id = MALE, FEMALE, state.stamp, commune.pk

        household_rows: list[Row] = []
        person_rows: list[Row] = []
        person_id = state.next_person_id
        household_id = state.next_household_id
        serial = 0
        for head_age, size in zip(head_ages, sizes, strict=True):
            serial += 1
            while f"{commune.code}-{serial:06d}" in codes_taken:
                serial += 1
            address = addresses.next()
            household_rows.append((household_id, f"{commune.code}-{serial:06d}", commune_id, address))
            family_surname, family_key = surnames.draw(rng)
            for member in range(size):
                age = head_age if member == 0 else next_member_age()
                sex = female if random_() < 0.5 else male
                if member == 0 or random_() < FAMILY_SURNAME_SHARE:
                    surname, surname_key = family_surname, family_key
                else:
                    surname, surname_key = surname_values[bisect_right(surname_cumulative, random_() * surname_total)]
                day = first_day[age] + int(random_() * days_in_window[age])
                year = year_of_day[day]
                values, cumulative, total = name_tables[(sex, year >= recent_from)]
                given, given_key = values[bisect_right(cumulative, random_() * total)]
                citizen_id = None
                if age >= CCCD_FROM_AGE and random_() < CCCD_SHARE:
                    citizen_id = next_citizen_id(century_sex_digit[(year, sex)], year)
                phone = ""
                if random_() < phone_share_by_age[age]:
                    prefix = phone_values[bisect_right(phone_cumulative, random_() * phone_total)]
                    phone = f"{prefix}{int(random_() * 1_000_000):06d}"
                    while phone in phones_used:  # unique within the run
                        phone = f"{prefix}{int(random_() * 1_000_000):06d}"
                    phones_used.add(phone)
                person_rows.append(
                    (
                        person_id,
                        f"{surname} {given}",
                        f"{surname_key} {given_key}",
                        sex,
                        iso_day[day],
                        citizen_id,
                        phone,
                        commune_id,
                        address,
                        household_id,
                        stamp,
                        stamp,
                    )
                )
                person_id += 1
            household_id += 1
        state.next_person_id = person_id
        state.next_household_id = household_id
        return household_rows, person_rows

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        people = run.id_range("person")
        households = run.id_range("household")
        if people:
            first, last = people
            # What the ORM would do on delete (SET_NULL, CASCADE), in bulk: it would load every person.
            User.objects.filter(person__gte=first, person__lte=last).update(person=None)
            PersonMerge.objects.filter(survivor__gte=first, survivor__lte=last).delete()
            writer.delete_id_range(Person, first, last)
        if households:
            first, last = households
            # Someone added by hand to a generated household stays, without it.
            Person.objects.filter(household__gte=first, household__lte=last).update(household=None)
            writer.delete_id_range(Household, first, last)


# ---------------------------------------------------------------------------------------------------
# Staff accounts


def district_username(unit: AdministrativeUnit) -> str:
    return f"huyen-{unit.code}"


def commune_username(unit: AdministrativeUnit) -> str:
    return f"xa-{unit.code}"


class StaffStep:
    """A health officer's account for every district and every commune, all with one password hash.

    Accounts that exist already are left as they are, and replacing a run keeps its accounts:
    people may have logged in and worked with them.
    """

    name = "staff"

    def run(self, context: SynthContext) -> None:
        wanted = [(district_username(unit), Role.DISTRICT_OFFICER, unit) for unit in context.districts] + [
            (commune_username(unit), Role.COMMUNE_OFFICER, unit) for unit in context.communes
        ]
        usernames = [username for username, _role, _unit in wanted]
        existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        created = 0
        for username, role, unit in wanted:
            if username in existing:
                continue
            create_account(
                username,
                role=role,
                units=[unit],
                password_hash=context.options.staff_password_hash,
                full_name=f"Cán bộ y tế {unit.name}",
            )
            created += 1
        context.counts["staff_accounts_created"] = created
        context.counts["staff_accounts_existing"] = len(existing)

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        """Nothing: accounts outlive the population they were made with."""


# ---------------------------------------------------------------------------------------------------
# The plan

PLAN: list[Step] = [PeopleStep(), StaffStep()]


def register_step(step: Step) -> None:
    """Append a step to the plan. Registering a step of the same name again changes nothing."""
    if all(existing.name != step.name for existing in PLAN):
        PLAN.append(step)


def current_plan() -> list[Step]:
    return list(PLAN)
