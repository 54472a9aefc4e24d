"""The synthetic province's last step rebuilds the daily figures from what the other steps wrote in bulk."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from phongdich.geo.services import load_bundled_province
from phongdich.quarantine.models import QuarantineOrder
from phongdich.quarantine.synth_step import QuarantineStep
from phongdich.situation.models import CommuneDayStat
from phongdich.situation.synth_step import SituationStep
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions


@pytest.fixture
def province(db):
    load_bundled_province()


def generate(replace: bool = False):
    options = SynthOptions(
        seed=5,
        scale=0.002,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=3,
        adoption=0.0,
    )
    # The slow outbreak step is left out; the quarantine step's arrivals give orders to count.
    return services.generate(options, plan=[PeopleStep(), StaffStep(), QuarantineStep(), SituationStep()])


def test_the_step_counts_what_the_generator_wrote(province):
    run = generate()
    orders = QuarantineOrder.objects.exclude(status="cancelled").count()
    assert orders > 0
    counted = CommuneDayStat.objects.aggregate(n=Sum("quarantine_started"))["n"]
    assert counted == orders
    assert run.counts["situation_day_rows"] == CommuneDayStat.objects.count()
    # Run again with --replace: the same figures, not twice as many.
    generate(replace=True)
    assert (
        CommuneDayStat.objects.aggregate(n=Sum("quarantine_started"))["n"]
        == QuarantineOrder.objects.exclude(status="cancelled").count()
    )
