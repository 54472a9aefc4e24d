"""Data for the situation tests, made through the real services (testing, cases, vaccination, quarantine)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from phongdich.cases.models import Case
from phongdich.testing import services as testing


def local_noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def record_result(actor: Any, person: Any, result: str, day: dt.date) -> Any:
    taken = local_noon(day) - dt.timedelta(hours=3)
    data = testing.SampleInput(
        person=person.pk, test_type="rt_pcr", taken_at=taken, result=result, reported_at=taken + dt.timedelta(hours=2)
    )
    return testing.record_sample(actor, data)


def open_case(actor: Any, person: Any, day: dt.date) -> Case:
    """A positive RT-PCR sampled on ``day``: the case it opens (confirmed the same local day)."""
    record_result(actor, person, "positive", day)
    return Case.objects.get(person=person, status="active")
