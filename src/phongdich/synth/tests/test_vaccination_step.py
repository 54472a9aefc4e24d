"""Synthetic vaccinations: coverage like Quảng Ninh's, doses that obey the course rules, replace, the date."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from phongdich.geo.services import load_bundled_province
from phongdich.people.models import Person
from phongdich.synth.models import SynthRun
from phongdich.vaccination import coverage_entries
from phongdich.vaccination.models import CoverageEntry, FullCourseRule, Vaccination

SCALE = 0.004
AS_OF = dt.date(2023, 1, 31)


@pytest.fixture
def province(db):
    load_bundled_province()


def synth(*extra: str, scale: float = SCALE, seed: int = 5, as_of: dt.date = AS_OF) -> str:
    out = StringIO()
    call_command(
        "synth",
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--as-of",
        as_of.isoformat(),
        "--outbreak",
        "0",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.mark.django_db
def test_coverage_and_doses_follow_the_campaigns_and_the_course_rules(province):
    synth()
    run = SynthRun.objects.get()
    people = {p.pk: p.date_of_birth for p in Person.objects.all()}
    doses = list(Vaccination.objects.select_related("product").order_by("person_id", "dose_number"))
    assert run.counts["vaccinations"] == len(doses)
    # About 2.5 million doses for 1.32 million people: 1.7 to 2.1 doses a person.
    assert 1.7 < len(doses) / len(people) < 2.1
    rules = {rule.product_id: rule for rule in FullCourseRule.objects.all()}
    by_person: dict[int, list[Vaccination]] = {}
    for dose in doses:
        by_person.setdefault(dose.person_id, []).append(dose)
    assert run.counts["vaccinated_people"] == len(by_person)
    adult_campaign = dt.date(2021, 7, 15)
    adults = [pk for pk, born in people.items() if _age_on(born, adult_campaign) >= 18]
    first_dose_share = sum(1 for pk in adults if pk in by_person) / len(adults)
    assert 0.95 < first_dose_share < 0.995
    full = sum(1 for pk in adults if any(d.completes_course for d in by_person.get(pk, [])))
    assert 0.88 < full / len(adults) < 0.98
    for pk, given in by_person.items():
        born = people[pk]
        assert [d.dose_number for d in given] == list(range(1, len(given) + 1))
        rule = rules[given[0].product_id]
        for previous, dose in itertools.pairwise(given):
            assert dose.date >= previous.date + dt.timedelta(
                days=rule.min_interval_days if dose.dose_number <= rule.doses else 0
            )
        for dose in given:
            assert born < dose.date <= AS_OF
            assert dose.completes_course == (dose.dose_number == rule.doses)
            assert dose.is_booster == (dose.dose_number > rule.doses)
        assert _age_on(born, given[0].date) >= 5
    products = Counter(d.product.code for d in doses if d.dose_number == 1)
    assert products.most_common(1)[0][0] in ("EU/1/21/1529", "BBIBP-CorV", "EU/1/20/1528")
    assert len(products) >= 5
    # Children of 12–17 had Comirnaty or Spikevax.
    teen_products = {
        d.product.code for d in doses if d.dose_number == 1 and 12 <= _age_on(people[d.person_id], d.date) <= 17
    }
    assert teen_products <= {"EU/1/20/1528", "EU/1/20/1507"}
    assert "Vaccinations: " in synth("--replace")


@pytest.mark.django_db
def test_only_doses_up_to_the_reference_date_are_written(province):
    synth(as_of=dt.date(2021, 8, 31))
    last = Vaccination.objects.order_by("-date").values_list("date", flat=True).first()
    assert last is not None and last <= dt.date(2021, 8, 31)
    assert not Vaccination.objects.filter(is_booster=True).exists()  # boosters began in December 2021
    synth("--replace", as_of=dt.date(2021, 1, 31))
    assert not Vaccination.objects.exists()
    assert SynthRun.objects.get().counts["vaccinations"] == 0


@pytest.mark.django_db
def test_same_seed_same_doses_and_replace_removes_them(province):
    synth()
    first_person = SynthRun.objects.get().id_range("person")[0]

    def snapshot():
        return sorted(
            (person - first_person, n, code, day)
            for person, n, code, day in Vaccination.objects.values_list(
                "person_id", "dose_number", "product__code", "date"
            )
        )

    before = snapshot()
    synth("--replace")
    first_person = SynthRun.objects.get().id_range("person")[0]
    assert snapshot() == before
    assert Vaccination.objects.count() == SynthRun.objects.get().counts["vaccinations"]
    # The coverage entries written with the doses are those the application would keep.
    written = set(
        CoverageEntry.objects.values_list("person_id", "commune_id", "date_of_birth", "first_dose", "full_course")
    )
    assert len(written) == SynthRun.objects.get().counts["vaccinated_people"]
    coverage_entries.rebuild()
    assert (
        set(CoverageEntry.objects.values_list("person_id", "commune_id", "date_of_birth", "first_dose", "full_course"))
        == written
    )
