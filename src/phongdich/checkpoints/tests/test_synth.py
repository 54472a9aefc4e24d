"""The synthetic province's checkpoints: two gateways of Hạ Long with today's shifts, the demo checkpoint officer
assigned, passes decided by the rules; generating again with --replace leaves one set, not two."""

from __future__ import annotations

import pytest

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.accounts.services import create_account
from phongdich.checkpoints import services as checkpoints
from phongdich.checkpoints.models import Checkpoint, Pass, Shift
from phongdich.checkpoints.synth_step import DEMO_OFFICER, CheckpointStep
from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions


@pytest.fixture
def province(db):
    load_bundled_province()
    create_account(DEMO_OFFICER, role=Role.CHECKPOINT_OFFICER, units=[AdministrativeUnit.objects.get(code="193")])


def generate(replace: bool = False):
    options = SynthOptions(
        seed=5,
        scale=0.002,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=0,
        adoption=0.0,
    )
    return services.generate(options, plan=[PeopleStep(), StaffStep(), CheckpointStep()])


def test_two_gateways_with_shifts_the_demo_officer_and_passes(province):
    generate()
    officer = User.objects.get(username=DEMO_OFFICER)
    assert sorted(c.name for c in checkpoints.checkpoints_for(officer)) == ["Chốt QL279 Hoành Bồ", "Cầu Bạch Đằng"]
    assert Shift.objects.filter(officers=officer).count() == 2
    passes = Pass.objects.filter(decided_by=officer)
    assert passes.count() > 0
    assert all(p.evidence_kind == "personal_qr" and p.person_id for p in passes)
    first = sorted(passes.values_list("decision", "direction"))
    generate(replace=True)
    assert Checkpoint.objects.count() == 2 and Shift.objects.count() == 2
    # Deterministic for the seed (ids differ after --replace; the decisions and directions do not).
    assert sorted(Pass.objects.values_list("decision", "direction")) == first


def test_the_demo_officer_is_made_as_the_demo_makes_it_when_missing(db):
    load_bundled_province()
    generate()
    officer = User.objects.get(username=DEMO_OFFICER)
    assert officer.role == Role.CHECKPOINT_OFFICER
    assert [unit.code for unit in officer.units.all()] == ["193"]
    assert officer.checkpoints.count() == 2
