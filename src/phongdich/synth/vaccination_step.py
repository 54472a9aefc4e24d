"""Synthetic COVID-19 vaccinations for the generated people, after Quảng Ninh's campaigns of 2021–2022.

The province vaccinated early and almost everyone: front-line workers from March 2021, the mass campaign
for adults from mid-July to the end of September 2021 (first dose for about 97 % of adults), second
doses into the autumn, children of 12–17 from mid-October 2021 (Comirnaty, some Spikevax), a first
booster from mid-December 2021, children of 5–11 from mid-April 2022, and a second booster for people
of 50 and over (and front-line staff) from mid-2022. The primary-course products follow the supplies the
province received: mostly Vaxzevria (AstraZeneca) and Vero Cell (Sinopharm), then Comirnaty and
Spikevax, and a few doses of Sputnik V, Abdala, Janssen, Hayat-Vax and Covaxin; boosters are mRNA or
Vaxzevria. At full scale (1.32 million people) this gives about 2.5 million doses.

Each person's doses follow the product's course rule (``FullCourseRule``, the data the application
uses): the number of doses of a full primary course and at least the minimum gap between doses, so
``completes_course`` and ``is_booster`` are what ``record_vaccination`` would have set. Only doses on
or before the reference date (and today) are written: a reference date in September 2021 gives the
coverage of that day. Rows are written with COPY (``synth.bulk``); ``--replace`` deletes them by id range.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from django.db import connection

from phongdich.people.models import Person
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext
from phongdich.synth.models import SynthRun
from phongdich.synth.venues_step import model_columns
from phongdich.vaccination.models import CoverageEntry, FullCourseRule, Registration, Vaccination, VaccineProduct

AZ, PFIZER, MODERNA, VERO = "EU/1/21/1529", "EU/1/20/1528", "EU/1/20/1507", "BBIBP-CorV"
SPUTNIK, ABDALA, JANSSEN, HAYAT, COVAXIN = "Sputnik-V", "CIGB-66", "EU/1/20/1525", "Hayat-Vax", "Covaxin"

# Primary course of adults: share of first doses by product.
ADULT_PRIMARY = (
    (AZ, 0.38),
    (VERO, 0.30),
    (PFIZER, 0.20),
    (MODERNA, 0.08),
    (SPUTNIK, 0.015),
    (ABDALA, 0.01),
    (JANSSEN, 0.01),
    (HAYAT, 0.003),
    (COVAXIN, 0.002),
)
TEEN_PRIMARY = ((PFIZER, 0.93), (MODERNA, 0.07))
CHILD_PRIMARY = ((PFIZER, 0.8), (MODERNA, 0.2))
BOOSTER = ((PFIZER, 0.5), (MODERNA, 0.33), (AZ, 0.17))
SECOND_BOOSTER = ((PFIZER, 0.55), (MODERNA, 0.45))
# Vaxzevria's second dose was often Comirnaty when AstraZeneca supplies ran short (Bộ Y tế, 2021).
AZ_THEN_PFIZER = 0.15

# Usual gap between primary doses, in days (at least the rule's minimum).
USUAL_GAP = {AZ: (56, 84), PFIZER: (21, 35), MODERNA: (28, 42), VERO: (21, 35), SPUTNIK: (21, 35),
             ABDALA: (14, 21), HAYAT: (21, 30), COVAXIN: (28, 35), JANSSEN: (0, 0)}  # fmt: skip

D = dt.date
ADULT_CAMPAIGN = ((D(2021, 3, 8), D(2021, 7, 14), 0.10), (D(2021, 7, 15), D(2021, 9, 30), 0.76),
                  (D(2021, 10, 1), D(2021, 12, 31), 0.14))  # fmt: skip
TEEN_CAMPAIGN = (D(2021, 10, 15), D(2021, 12, 15))
CHILD_CAMPAIGN = (D(2022, 4, 14), D(2022, 7, 31))
BOOSTER_FROM = D(2021, 12, 15)
SECOND_BOOSTER_FROM = D(2022, 6, 1)
# Who was in which campaign: age on its first day.
ADULT_AGE, TEEN_AGE, CHILD_AGE = 18, 12, 5

ADULT_FIRST_DOSE = 0.975
TEEN_FIRST_DOSE = 0.96
CHILD_FIRST_DOSE = 0.62
NEXT_PRIMARY_DOSE = 0.97  # of those with the previous dose (children: see CHILD_SECOND_DOSE)
CHILD_SECOND_DOSE = 0.8
ADULT_BOOSTER = 0.48  # of adults with a full course
TEEN_BOOSTER = 0.12
SECOND_BOOSTER_50_PLUS = 0.3  # of those 50 and over with a first booster
BOOSTER_GAP = (90, 200)  # days after the full course (3 months at least, Bộ Y tế)
SECOND_BOOSTER_GAP = (120, 220)

VACCINATION_FIELDS = (
    "id",
    "person",
    "dose_number",
    "is_booster",
    "completes_course",
    "product",
    "lot",
    "date",
    "site",
    "recorded_at",
)


@dataclass(frozen=True)
class Table:
    values: tuple[Any, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[Any, float]]) -> Table:
        return cls(tuple(v for v, _w in pairs), tuple(accumulate(w for _v, w in pairs)))

    def draw(self, rng: random.Random) -> Any:
        return self.values[bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def _ordinal_of_birthday(born: dt.date, years: int) -> int:
    """The day ``born`` turns ``years`` old, as an ordinal."""
    try:
        return born.replace(year=born.year + years).toordinal()
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28).toordinal() + 1


class VaccinationStep:
    """Doses for the people of the run (see the module's docstring)."""

    name = "vaccinations"

    def run(self, context: SynthContext) -> None:
        context.counts["vaccinations"] = 0
        context.counts["vaccinated_people"] = 0
        people = context.run.id_range("person")
        products = {p.code: p for p in VaccineProduct.objects.filter(code__in=USUAL_GAP)}
        if not people or len(products) != len(USUAL_GAP):
            return  # no people, or the value set was changed: nothing sensible to generate
        rules = {rule.product.code: rule for rule in FullCourseRule.objects.select_related("product")}
        self.doses_needed = {code: (rules[code].doses if code in rules else 2) for code in products}
        self.min_gap = {code: (rules[code].min_interval_days if code in rules else 0) for code in products}
        self.product_id = {code: product.pk for code, product in products.items()}
        last_day = min(context.options.as_of, dt.date.today()).toordinal()
        writer = context.writer
        writer.lock([Vaccination, CoverageEntry])
        columns, extra = model_columns(Vaccination, VACCINATION_FIELDS, writer)
        entry_columns = ["person_id", "commune_id", "date_of_birth", "first_dose", "full_course"]
        stamp = writer.timestamp(context.now)
        first_id = next_id = writer.first_free_id(Vaccination)
        names = {commune.pk: commune.name for commune in context.communes}
        codes = {commune.pk: commune.code for commune in context.communes}
        iso: dict[int, str] = {}
        vaccinated = 0
        for commune_id, residents in _residents(people, context.communes):
            rng = context.rng("vaccinations", codes[commune_id])
            site = f"Trạm Y tế {names[commune_id]}"[:200]
            lots = {
                code: [f"{code[-3:].upper()}{rng.randrange(10_000, 99_999)}" for _ in range(12)] for code in products
            }
            rows: list[tuple[Any, ...]] = []
            entries: list[tuple[Any, ...]] = []
            for person_id, born in residents:
                doses = self.doses_of(rng, born, last_day)
                if not doses:
                    continue
                vaccinated += 1
                needed = self.doses_needed[doses[0][1]]
                # What the coverage table counts (vaccination.coverage_entries keeps it for ORM writes).
                entries.append((person_id, commune_id, born.isoformat(), True, len(doses) >= needed))
                for number, (day, code) in enumerate(doses, start=1):
                    text = iso.get(day)
                    if text is None:
                        text = iso[day] = dt.date.fromordinal(day).isoformat()
                    lot_list = lots[code]
                    rows.append(
                        (
                            next_id,
                            person_id,
                            number,
                            number > needed,
                            number == needed,
                            self.product_id[code],
                            lot_list[int(rng.random() * len(lot_list))],
                            text,
                            site,
                            stamp,
                            *extra,
                        )
                    )
                    next_id += 1
            if rows:
                writer.insert(Vaccination, columns, rows)
                writer.insert(CoverageEntry, entry_columns, entries)
        if next_id > first_id:
            writer.ids_used_up_to(Vaccination, next_id - 1)
            context.run.id_ranges["vaccination"] = [first_id, next_id - 1]
        context.counts["vaccinations"] = next_id - first_id
        context.counts["vaccinated_people"] = vaccinated

    def doses_of(self, rng: random.Random, born: dt.date, last_day: int) -> list[tuple[int, str]]:
        """(day ordinal, product code) of each dose the person had by ``last_day``, in order."""
        random_ = rng.random
        if _ordinal_of_birthday(born, ADULT_AGE) <= ADULT_FROM:
            if random_() >= ADULT_FIRST_DOSE:
                return []
            start, end = ADULT_PERIOD_TABLE.draw(rng)
            first = rng.randint(start, end)
            primary = ADULT_PRIMARY_TABLE.draw(rng)
            booster_share, older, child = ADULT_BOOSTER, _ordinal_of_birthday(born, 50) <= SECOND_FROM, False
        elif _ordinal_of_birthday(born, TEEN_AGE) <= TEEN_CAMPAIGN[0].toordinal():
            if random_() >= TEEN_FIRST_DOSE:
                return []
            first = rng.randint(TEEN_CAMPAIGN[0].toordinal(), TEEN_CAMPAIGN[1].toordinal())
            primary = TEEN_PRIMARY_TABLE.draw(rng)
            booster_share, older, child = TEEN_BOOSTER, False, False
        elif _ordinal_of_birthday(born, CHILD_AGE) <= CHILD_CAMPAIGN[0].toordinal():
            if random_() >= CHILD_FIRST_DOSE:
                return []
            first = rng.randint(CHILD_CAMPAIGN[0].toordinal(), CHILD_CAMPAIGN[1].toordinal())
            primary = CHILD_PRIMARY_TABLE.draw(rng)
            booster_share, older, child = 0.0, False, True
        else:
            return []  # too young for any campaign
        if first > last_day:
            return []
        doses = [(first, primary)]
        needed = self.doses_needed[primary]
        second_share = CHILD_SECOND_DOSE if child else NEXT_PRIMARY_DOSE
        day = first
        while len(doses) < needed:
            if random_() >= second_share:
                return doses
            low, high = USUAL_GAP[primary]
            day += max(self.min_gap[primary], rng.randint(low, high))
            if day > last_day:
                return doses
            code = PFIZER if primary == AZ and random_() < AZ_THEN_PFIZER else primary
            doses.append((day, code))
        if random_() >= booster_share:
            return doses
        day = max(day + rng.randint(*BOOSTER_GAP), BOOSTER_FROM.toordinal() + rng.randint(0, 60))
        if day > last_day:
            return doses
        doses.append((day, BOOSTER_TABLE.draw(rng)))
        if not older or random_() >= SECOND_BOOSTER_50_PLUS:
            return doses
        day = max(day + rng.randint(*SECOND_BOOSTER_GAP), SECOND_BOOSTER_FROM.toordinal() + rng.randint(0, 60))
        if day <= last_day:
            doses.append((day, SECOND_BOOSTER_TABLE.draw(rng)))
        return doses

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        people = run.id_range("person")
        if people:
            writer.delete_id_range(CoverageEntry, *people)
        bounds = run.id_range("vaccination")
        if not bounds:
            return
        first, last = bounds
        # What the ORM's SET_NULL would do, in bulk: a place in a session keeps its history without the dose.
        Registration.objects.filter(vaccination__gte=first, vaccination__lte=last).update(vaccination=None)
        writer.delete_id_range(Vaccination, first, last)


def _residents(people: tuple[int, int], communes: Sequence[Any]) -> list[tuple[int, list[tuple[int, dt.date]]]]:
    """(commune id, [(person id, date of birth), …]) in commune order, people by id."""
    grouped: dict[int, list[tuple[int, dt.date]]] = {}
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, home_commune_id, date_of_birth FROM {table} WHERE id BETWEEN %s AND %s ORDER BY id",  # noqa: S608
            list(people),
        )
        while batch := cursor.fetchmany(50_000):
            for person_id, commune_id, born in batch:
                if isinstance(born, str):
                    born = dt.date.fromisoformat(born)
                grouped.setdefault(commune_id, []).append((person_id, born))
    return [(commune.pk, grouped[commune.pk]) for commune in communes if commune.pk in grouped]


ADULT_PRIMARY_TABLE = Table.of(ADULT_PRIMARY)
TEEN_PRIMARY_TABLE = Table.of(TEEN_PRIMARY)
CHILD_PRIMARY_TABLE = Table.of(CHILD_PRIMARY)
BOOSTER_TABLE = Table.of(BOOSTER)
SECOND_BOOSTER_TABLE = Table.of(SECOND_BOOSTER)
ADULT_PERIOD_TABLE = Table.of([((start.toordinal(), end.toordinal()), share) for start, end, share in ADULT_CAMPAIGN])
SECOND_FROM = SECOND_BOOSTER_FROM.toordinal()
ADULT_FROM = ADULT_CAMPAIGN[0][0].toordinal()
