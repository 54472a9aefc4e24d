"""The synthetic province's reports step: most communes report, some not today; two directives, one overdue;
a replaced run leaves nothing of the old one behind."""

from __future__ import annotations

import pytest
from django.utils import timezone

from phongdich.geo.models import AdministrativeUnit
from phongdich.geo.services import load_bundled_province
from phongdich.notify.models import Message
from phongdich.reports import services as reports
from phongdich.reports.models import DailyReport, Directive, DirectiveRecipient
from phongdich.reports.synth_step import DAYS, ReportsStep
from phongdich.synth import services
from phongdich.synth.generator import PeopleStep, StaffStep, SynthOptions


@pytest.fixture
def province(db):
    load_bundled_province()


def generate(replace: bool = False):
    # People and staff only (the outbreak is slow here): the reports carry whatever the platform counts.
    options = SynthOptions(
        seed=5,
        scale=0.001,
        as_of=services.today_in_vietnam(),
        staff_password_hash=services.hash_staff_password("x"),
        replace=replace,
        outbreak=0,
        adoption=0.0,
    )
    return services.generate(options, plan=[PeopleStep(), StaffStep(), ReportsStep()])


def test_reports_and_directives_are_generated_and_replaced(province):
    run = generate()
    communes = AdministrativeUnit.objects.communes().count()
    today = reports.local_today()
    made = DailyReport.objects.count()
    assert made == run.counts["daily_reports"]
    days = set(DailyReport.objects.values_list("day", flat=True))
    assert len(days) == DAYS and max(days) == today
    todays = DailyReport.objects.filter(day=today).count()
    assert communes * 0.5 < todays < communes  # most communes, not all
    assert DailyReport.objects.exclude(day=today).count() > todays * 0.9 * (DAYS - 1) * 0.9
    assert Directive.objects.count() == 2
    overdue = DirectiveRecipient.objects.filter(
        acknowledged_at__isnull=True, directive__acknowledge_by__lt=timezone.now()
    )
    assert overdue.exists()
    assert DirectiveRecipient.objects.filter(acknowledged_at__isnull=False).exists()
    assert Message.objects.filter(event_key__startswith="directive:").exists()
    generate(replace=True)
    assert DailyReport.objects.count() == made
    assert Directive.objects.count() == 2
