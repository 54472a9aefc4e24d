"""The levels engine: every row of the shipped rule sets, the capacity rule, criterion 1's exclusions, coverage,
explanations, and assessing the whole province at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.cases import services as cases
from phongdich.geo.models import AdministrativeUnit
from phongdich.levels import services
from phongdich.levels.models import LEVEL_COLORS, Assessment, EpidemicLevel, LevelRuleSet
from phongdich.levels.seed import QD_218, QD_4800
from phongdich.vaccination import services as vaccination

from .conftest import HA_KHANH, HA_LONG, HA_PHONG, open_cases, small_commune

JANSSEN = "EU/1/20/1525"  # one dose is the full course
AZ = "EU/1/21/1529"

# (rule set, band, the band's lower edge, a rate inside it, level if coverage met, level if not)
ROWS_4800 = [
    (1, 0.0, 19.99, 1, 2),
    (2, 20.0, 35.0, 2, 3),
    (3, 50.0, 149.9, 3, 4),
    (4, 150.0, 5000.0, 4, 4),
]
ROWS_218 = [
    (1, 0.0, 149.99, 1, 2),
    (2, 150.0, 299.0, 2, 3),
    (3, 300.0, 599.99, 3, 4),
    (4, 600.0, 10_000.0, 4, 4),
]
ROWS = [("QĐ 4800/QĐ-BYT", *row) for row in ROWS_4800] + [("QĐ 218/QĐ-BYT", *row) for row in ROWS_218]


def rule_set(name: str) -> LevelRuleSet:
    return LevelRuleSet.objects.get(name=name, replaced_by__isnull=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "band", "lower", "inside", "met", "not_met"), ROWS)
@pytest.mark.parametrize("coverage_met", [True, False])
def test_each_row_of_the_shipped_rule_sets(name, band, lower, inside, met, not_met, coverage_met):
    rules = rule_set(name)
    assert rules.band_for(lower) == band
    assert rules.band_for(inside) == band
    expected = met if coverage_met else not_met
    assert rules.base_level(band, coverage_met) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "band", "lower", "inside", "met", "not_met"), ROWS)
@pytest.mark.parametrize("coverage_met", [True, False])
def test_capacity_not_met_raises_each_row_by_one_capped_at_4(name, band, lower, inside, met, not_met, coverage_met):
    rules = rule_set(name)
    unit = AdministrativeUnit(code="99999", name="Test", level="commune")
    # Cases per 100,000 exactly: a whole number of cases inside the band.
    figures = services._Figures(population=100_000, cases=int(inside))
    # Coverage met with no condition at all; not met when a condition has no vaccinated person.
    rules.coverage_conditions = (
        [] if coverage_met else [{"age_from": 0, "age_to": None, "measure": "full_course", "min_share": 0.5}]
    )
    base = met if coverage_met else not_met
    kept = services._decide(unit, figures, rules, None, timezone.now(), 1.0)
    assert (kept.band, kept.level, kept.coverage_met, kept.capacity_met) == (band, base, coverage_met, True)
    not_met_capacity = services.UnitCapacity(unit=unit, capacity_met=False, declared_at=timezone.now())
    raised = services._decide(unit, figures, rules, not_met_capacity, timezone.now(), 1.0)
    assert raised.level == min(base + 1, 4)
    assert raised.inputs["raised"] is (base < 4)
    met_capacity = services.UnitCapacity(unit=unit, capacity_met=True, declared_at=timezone.now())
    assert services._decide(unit, figures, rules, met_capacity, timezone.now(), 1.0).level == base


def test_the_seeded_sets_match_the_reference_and_carry_their_sources(db, english):
    old, new = rule_set("QĐ 4800/QĐ-BYT"), rule_set("QĐ 218/QĐ-BYT")
    assert old.valid_from == dt.date(2021, 10, 12) and new.valid_from == dt.date(2022, 1, 27)
    assert old.bands == QD_4800["bands"] and new.bands == QD_218["bands"]
    assert "[recalled]" in old.source_note and "[seen]" in old.source_note
    assert "[assumed: not in the reference; the province must confirm]" in new.source_note
    assert new.count_severe_and_deaths and not old.count_severe_and_deaths
    assert LevelRuleSet.in_force(dt.date(2022, 1, 26)) == old
    assert LevelRuleSet.in_force(dt.date(2022, 1, 27)) == new
    assert LevelRuleSet.in_force(dt.date(2021, 10, 11)) is None
    assert services.venue_kind_measure(3, "hotel", dt.date(2021, 11, 1)) == "restricted"
    assert services.venue_kind_measure(4, "tourist_site") == "closed"
    assert services.venue_kind_measure(4, "restaurant") == "restricted"
    assert services.venue_kind_measure(3, "market") == "open"
    assert services.venue_kind_measure(2, "school") == "restricted"
    assert services.venue_kind_measure(4, "factory") == "open"
    assert [EpidemicLevel(n).label for n in (1, 4)] == ["Level 1 – low risk (green)", "Level 4 – very high risk (red)"]
    assert LEVEL_COLORS[4] == "#c62828"


# Under QĐ 4800 (a day in November 2021).
AT_4800 = timezone.make_aware(dt.datetime(2021, 11, 15, 12, 0))


def test_criterion_1_counts_community_cases_of_the_week_only(units, epidemiologist, make_person, english):
    small_commune(HA_KHANH, 1000)
    small_commune(HA_PHONG, 1000)
    week = AT_4800 - dt.timedelta(days=2)
    open_cases(epidemiologist, make_person, HA_KHANH, 1, confirmed_at=week)
    for excluded in ("in_quarantine", "in_lockdown_area", "imported_other_province", "imported_abroad"):
        open_cases(epidemiologist, make_person, HA_KHANH, 1, detected_in=excluded, confirmed_at=week)
    # Too old (8 local days before), after the assessment time, voided, and in the neighbouring commune.
    open_cases(epidemiologist, make_person, HA_KHANH, 1, confirmed_at=AT_4800 - dt.timedelta(days=7, hours=13))
    open_cases(epidemiologist, make_person, HA_KHANH, 1, confirmed_at=AT_4800 + dt.timedelta(hours=1))
    voided = open_cases(epidemiologist, make_person, HA_KHANH, 1, confirmed_at=week)[0]
    cases.void_case(epidemiologist, voided.pk, "wrong person")
    open_cases(epidemiologist, make_person, HA_PHONG, 2, confirmed_at=week)

    result = services.assess_unit(epidemiologist, HA_KHANH, AT_4800)
    assert result.inputs["cases"] == 1 and result.inputs["community_cases"] == 1
    assert result.inputs["population"] == 1000
    assert result.inputs["rate"] == 100.0
    assert result.band == 3
    assert result.level == 4  # nobody vaccinated: coverage not met
    assert result.status == "computed"
    assert result.explanation.startswith(
        "level 4: 100.0 cases/100,000/week (band 3), coverage not met (18+ one dose 0.0%"
    )
    assert "capacity not declared (treated as met)" in result.explanation

    # The district sums its communes' cases over its communes' population.
    district = services.assess_unit(epidemiologist, HA_LONG, AT_4800)
    assert district.inputs["cases"] == 3


def test_coverage_and_capacity_make_the_level(
    units, epidemiologist, province_admin, commune_officer, make_person, english
):
    small_commune(HA_KHANH, 20)  # 4 aged 0–11, 2 aged 12–17, 8 aged 18–49, 4 aged 50–64, 2 aged 65+
    born = {"adult": dt.date(1985, 1, 1), "old": dt.date(1940, 1, 1)}
    adults = [make_person(province_admin, home_commune=HA_KHANH, date_of_birth=born["adult"]) for _ in range(9)]
    elders = [make_person(province_admin, home_commune=HA_KHANH, date_of_birth=born["old"]) for _ in range(2)]
    for person in adults:
        vaccination.record_vaccination(
            province_admin, vaccination.VaccinationInput(person.pk, 1, AZ, dt.date(2021, 9, 1))
        )
    for person in elders:
        vaccination.record_vaccination(
            province_admin, vaccination.VaccinationInput(person.pk, 1, JANSSEN, dt.date(2021, 9, 1))
        )
    result = services.assess_unit(epidemiologist, HA_KHANH, AT_4800)
    shares = {(c["group"], c["measure"]): c for c in result.inputs["coverage"]}
    # 11 of 14 adults with a dose (78.6 %), both elders fully vaccinated (100 %).
    assert shares[("18+", "first_dose")]["share"] == pytest.approx(11 / 14, abs=1e-4)
    assert shares[("65+", "full_course")]["share"] == 1.0
    assert result.coverage_met and result.band == 1 and result.level == 1
    assert (
        result.explanation
        == "level 1: 0.0 cases/100,000/week (band 1), coverage met, capacity not declared (treated as met)"
    )

    services.declare_capacity(
        commune_officer,
        services.CapacityInput(unit=HA_KHANH, capacity_met=False, treatment_beds=10),
        at=AT_4800 - dt.timedelta(days=1),
    )
    raised = services.assess_unit(epidemiologist, HA_KHANH, AT_4800)
    assert raised.level == 2 and not raised.capacity_met
    assert raised.explanation.endswith("coverage met, capacity not met (raised one level)")
    # Today QĐ 218 is in force: it wants 75 % of everyone fully vaccinated, and only 2 of 20 are.
    today = services.assess_unit(epidemiologist, HA_KHANH)
    assert today.rule_set.name == "QĐ 218/QĐ-BYT" and not today.coverage_met
    assert today.level == 3
    assert "coverage not met (everyone full course 10.0% < 75%)" in today.explanation


def test_218_counts_severe_patients_and_deaths_once_each(units, epidemiologist, make_person):
    small_commune(HA_KHANH, 1000)
    at = timezone.now()
    severe = open_cases(epidemiologist, make_person, HA_KHANH, 1, clinical_status="severe")
    imported_died = open_cases(epidemiologist, make_person, HA_KHANH, 1, detected_in="imported_abroad")[0]
    cases.update_case(epidemiologist, imported_died.pk, {"outcome": "died", "outcome_date": timezone.localdate()})
    open_cases(epidemiologist, make_person, HA_KHANH, 1, detected_in="in_quarantine")
    result = services.assess_unit(epidemiologist, HA_KHANH, at + dt.timedelta(minutes=1))
    assert severe and result.rule_set.name == "QĐ 218/QĐ-BYT"
    # The severe community case counts once (not as community and severe), plus the death.
    assert result.inputs["cases"] == 2
    assert (result.inputs["community_cases"], result.inputs["severe_cases"], result.inputs["deaths"]) == (1, 1, 1)


def test_assess_all_covers_every_unit_and_latest_assessments(units, epidemiologist):
    results = services.assess_all(epidemiologist)
    assert len(results) == AdministrativeUnit.objects.count() == 1 + 13 + 177
    assert Assessment.objects.count() == len(results)
    latest = services.latest_assessments()
    assert set(latest) == set(AdministrativeUnit.objects.values_list("pk", flat=True))
    assert all(item.status == "computed" for item in latest.values())
    # Census denominators: the province's population is the sum of its communes'.
    province = AdministrativeUnit.objects.get(code="22")
    assert latest[province.pk].inputs["population"] == sum(
        AdministrativeUnit.objects.filter(level="commune").values_list("population", flat=True)
    )
    again = services.assess_all(None)
    assert services.latest_assessments()[province.pk].pk == again[0].pk
