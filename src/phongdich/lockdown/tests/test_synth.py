"""The synthetic province's lockdown step: one zone in force over the commune with the most recent cases, one
ended zone drawn around the next; the cases already found in the zone are marked; a re-run replaces them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases
from phongdich.cases.models import Case, DetectedIn
from phongdich.geo.services import load_bundled_province
from phongdich.lockdown.models import LockdownZone
from phongdich.lockdown.synth_step import LockdownStep
from phongdich.people.models import Person
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthContext, SynthOptions
from phongdich.synth.models import SynthRun

SCALE = 0.002


class CasesStep:
    """Stands in for the (slow) outbreak step: cases opened by hand in two communes, 3 and 2 of them."""

    name = "test-cases"

    def __init__(self, actor) -> None:
        self.actor = actor

    def run(self, context: SynthContext) -> None:
        first, last = context.run.id_range("person")
        people = Person.objects.filter(pk__gte=first, pk__lte=last).order_by("pk")
        communes = list(people.values_list("home_commune_id", flat=True).distinct().order_by("home_commune_id")[:2])
        for commune_id, count in zip(communes, (3, 2), strict=True):
            for person in people.filter(home_commune_id=commune_id)[:count]:
                data = cases.CaseInput(
                    person=person.pk, sampled_on=timezone.localdate(), confirmed_at=context.now - dt.timedelta(days=1)
                )
                cases.open_case(self.actor, data)

    def clear(self, run: SynthRun, writer) -> None:
        Case.objects.all().delete()


@pytest.fixture
def epidemiologist(db, make_account):
    load_bundled_province()
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


def generate(actor, replace: bool = False):
    options = SynthOptions(
        seed=5,
        scale=SCALE,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=0,
        adoption=0.0,
    )
    return services.generate(options, plan=[PeopleStep(), StaffStep(), CasesStep(actor), LockdownStep()])


def test_the_step_makes_an_active_and_an_ended_zone_and_a_rerun_replaces_them(epidemiologist):
    run = generate(epidemiologist)
    assert run.counts["lockdown_zones"] == 2
    active, ended = LockdownZone.objects.order_by("pk")
    now = timezone.now()
    assert active.is_active(now) and not ended.is_active(now)
    assert ended.area is not None and ended.area["type"] == "Polygon"
    assert active.created_by is not None and active.created_by.username.startswith("huyen-")
    busiest = active.covered.get()
    marked = Case.objects.filter(commune=busiest)
    assert marked.count() == 3
    assert set(marked.values_list("detected_in", flat=True)) == {DetectedIn.IN_LOCKDOWN_AREA}
    assert ended.covered.count() >= 1
    generate(epidemiologist, replace=True)
    assert LockdownZone.objects.count() == 2
