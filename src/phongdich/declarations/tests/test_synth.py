"""The synthetic province's declarations: the run's people declare their journeys home, some match the risk
rules (and get their tasks), and a re-run replaces them."""

from __future__ import annotations

import pytest

from phongdich.declarations.models import Declaration
from phongdich.declarations.synth_step import DeclarationStep
from phongdich.geo.services import load_bundled_province
from phongdich.people.models import Person
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions
from phongdich.synth.models import SynthRun
from phongdich.tasks.models import Task

SCALE = 0.002


@pytest.fixture
def province(db: None) -> None:
    load_bundled_province()


def generate(replace: bool = False) -> SynthRun:
    options = SynthOptions(
        seed=5,
        scale=SCALE,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=0,
        adoption=0.0,
    )
    return services.generate(options, plan=[PeopleStep(), StaffStep(), DeclarationStep()])


def test_the_run_s_people_declare_and_a_rerun_replaces_them(province: None) -> None:
    run = generate()
    count = run.counts["declarations"]
    assert count >= 20 and Declaration.objects.count() == count
    declarations = list(Declaration.objects.select_related("person"))
    # Each declarant is matched to their own registry record, and declares going to their home commune.
    assert all(d.person is not None and d.to_commune_id == d.person.home_commune_id for d in declarations)
    assert {d.kind for d in declarations} == {"entry", "movement"}
    at_risk = [d for d in declarations if d.at_risk]
    assert run.counts["declarations_at_risk"] == len(at_risk)
    for declaration in at_risk:
        assert Task.objects.filter(source_key=f"declarations.call:{declaration.pk}").exists()
    people_before = Person.objects.count()
    generate(replace=True)
    assert Declaration.objects.count() == count and Person.objects.count() == people_before
