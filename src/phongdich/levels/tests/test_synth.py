"""The synthetic province's levels step: capacity declared, every unit assessed and published; cleared by
--replace."""

from __future__ import annotations

import pytest

from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.levels import services as levels
from phongdich.levels.models import Assessment, UnitCapacity
from phongdich.levels.synth_step import LevelsStep
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions

SCALE = 0.002


@pytest.fixture
def province(db):
    load_bundled_province()


def generate(replace: bool = False):
    options = SynthOptions(
        seed=5,
        scale=SCALE,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        adoption=0.0,
    )
    return services.generate(options, plan=[PeopleStep(), StaffStep(), LevelsStep()])


def test_the_step_publishes_a_level_for_every_unit(province):
    run = generate()
    units = AdministrativeUnit.objects.count()
    assert run.counts["levels_published"] == units
    assert run.counts["levels_capacities"] == UnitCapacity.objects.count() == 59 + 13
    levels_in_effect = levels.current_levels()
    assert len(levels_in_effect) == units
    # Scaled denominators: a commune's population is its census count × the run's scale.
    result = Assessment.objects.filter(unit__code="06649").get()
    assert result.inputs["population"] == round(AdministrativeUnit.objects.get(code="06649").population * SCALE)
    assert result.inputs["population_scale"] == SCALE
    # Districts declaring their capacity not met are raised one level (no vaccination in this plan: not met).
    raised = Assessment.objects.filter(unit__level="district", capacity_met=False)
    assert raised.exists() and all(item.level == min(item.inputs["base_level"] + 1, 4) for item in raised)
    generate(replace=True)
    assert Assessment.objects.count() == units
    assert UnitCapacity.objects.count() == 59 + 13
