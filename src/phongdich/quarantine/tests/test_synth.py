"""The synthetic province's quarantine step: facilities with beds, arrivals admitted day by day with their
health checks and scheduled tests, releases with certificates; deterministic, and cleared by --replace."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.cases.models import Case
from phongdich.geo.services import load_bundled_province
from phongdich.notify.models import Message
from phongdich.quarantine.models import (
    FacilityAdmission,
    FacilityKind,
    HealthCheck,
    OrderKind,
    OrderStatus,
    QuarantineAlert,
    QuarantineFacility,
    QuarantineOrder,
    ReleaseCertificate,
    ScheduledTestStatus,
)
from phongdich.quarantine.synth_step import QuarantineStep, plan_with_quarantine
from phongdich.quarantine.verify_views import verify_token
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions
from phongdich.tasks.models import Task
from phongdich.testing.models import TestResult

SCALE = 0.002


@pytest.fixture
def province(db):
    load_bundled_province()


def generate(replace: bool = False, outbreak: bool = True):
    # The outbreak step itself is left out (slow here): the quarantine step only asks whether one was wanted.
    steps = [PeopleStep(), StaffStep()]
    options = SynthOptions(
        seed=5,
        scale=SCALE,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=3 if outbreak else 0,
        adoption=0.0,
    )
    return services.generate(options, plan=plan_with_quarantine(steps))


def snapshot(run):
    first = run.id_range("person")[0]
    return sorted(
        (o.person_id - first, o.reason, o.kind, o.start, o.planned_end, o.status)
        # The step's own orders (the F1s of a positive arrival are placed after the commit, by tracing).
        for o in QuarantineOrder.objects.exclude(reason="f1_of_case")
    )


def test_the_step_fills_facilities_and_follows_the_arrivals_day_by_day(province):
    run = generate()
    counts = run.counts
    facilities = QuarantineFacility.objects.all()
    assert counts["quarantine_facilities"] == facilities.count() == 26  # two in each of the 13 districts
    assert facilities.filter(kind=FacilityKind.HOTEL, price_per_day__gt=0).count() == 5
    assert counts["quarantine_beds"] > 300
    admissions = list(FacilityAdmission.objects.select_related("order", "facility", "person__home_commune"))
    assert counts["quarantine_admissions"] == len(admissions) > 20
    today = timezone.localdate()
    for admission in admissions:
        order = admission.order
        assert order.kind == OrderKind.FACILITY and order.facility_id == admission.facility_id
        assert order.start == timezone.localtime(admission.admitted_at).date()
        assert today - dt.timedelta(days=13) <= order.start <= today
        # The district's officer admitted a person of their district to their district's facility.
        district_of = lambda unit: unit.path.strip("/").split("/")[1]  # noqa: E731
        assert district_of(admission.facility.commune) == district_of(admission.person.home_commune)

    checks = list(HealthCheck.objects.select_related("order"))
    assert counts["quarantine_checks"] == len(checks) > len(admissions)
    for check in checks:
        assert check.order.start < timezone.localtime(check.taken_at).date() <= today
        assert check.taken_at <= timezone.now()
    danger = [check for check in checks if check.danger_signs]
    assert len(danger) == counts["quarantine_danger_checks"] >= 1
    assert QuarantineAlert.objects.filter(health_check__in=danger).count() == len(danger)

    # Tests were sampled on their days; orders past their end with negative tests are released, with a
    # certificate that verifies.
    assert counts["quarantine_tests"] > 0
    released = QuarantineOrder.objects.filter(status=OrderStatus.RELEASED)
    assert released.count() == counts["quarantine_released"] > 0
    for order in released:
        assert order.planned_end <= today
        assert set(order.scheduled_tests.values_list("status", flat=True)) <= {ScheduledTestStatus.NEGATIVE}
        certificate = ReleaseCertificate.objects.get(order=order)
        assert verify_token(certificate.token).status == "valid"
        assert not FacilityAdmission.objects.filter(order=order, discharged_at__isnull=True).exists()
    # The arrivals are not part of the outbreak: every result is negative, no case is opened.
    assert not TestResult.objects.exclude(result="negative").exists()
    assert not Case.objects.exists()


def test_without_an_outbreak_the_step_does_nothing(province):
    run = generate(outbreak=False)
    assert run.counts["quarantine_facilities"] == 0
    assert not QuarantineFacility.objects.exists() and not QuarantineOrder.objects.exists()


def test_the_step_is_deterministic_and_replace_clears_it(province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as after the generator's commit
        first = generate()
    before = snapshot(first)
    assert before
    # Work items and messages followed the orders, for the officers and the people.
    assert Task.objects.filter(kind="take_sample").exists()
    assert Message.objects.exists()

    second = generate(replace=True)

    assert snapshot(second) == before
    assert QuarantineFacility.objects.count() == 26
    assert second.counts["quarantine_admissions"] == first.counts["quarantine_admissions"]


def test_the_step_is_in_the_plan_after_the_outbreak():
    from phongdich.quarantine.synth_step import register
    from phongdich.synth.generator import current_plan

    register()
    names = [step.name for step in current_plan()]
    assert names.index("quarantine") > names.index("outbreak")
    assert names.count("quarantine") == 1
    assert isinstance(current_plan()[names.index("quarantine")], QuarantineStep)
