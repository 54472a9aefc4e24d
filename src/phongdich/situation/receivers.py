"""What keeps the daily figures in step: every write that changes a counter notes its (commune, day).

Connected from ``SituationConfig.ready``. Cases: their own signals (sent after commit) and ``post_save``
(clinical status, outcome and voiding are saved through ``Case.save``); results: testing's signals (inside
the transaction, so the recomputation waits for the commit); doses and quarantine orders: ``post_save``
and ``post_delete``. Bulk writes that bypass these (the synthetic generator) rebuild the figures instead.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from phongdich.situation import stats


def _case_signal(sender: Any, case: Any, **kwargs: Any) -> None:
    stats.note_case_changed(case)


def _case_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        stats.note_case_changed(instance)


def _result_changed(sender: Any, result: Any, **kwargs: Any) -> None:
    sample = result.sample
    stats.note_changed(sample.commune_id, timezone.localtime(sample.taken_at).date())


def _dose_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from phongdich.people.models import Person

    if raw:
        return
    commune_id = Person.objects.filter(pk=instance.person_id).values_list("home_commune_id", flat=True).first()
    if commune_id is not None:
        stats.note_changed(commune_id, instance.date)


def _order_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        stats.note_changed(instance.commune_id, instance.start)


def connect() -> None:
    from phongdich.cases.models import Case
    from phongdich.cases.signals import case_corrected, case_opened
    from phongdich.quarantine.models import QuarantineOrder
    from phongdich.testing.models import TestResult
    from phongdich.testing.signals import result_recorded, result_revoked
    from phongdich.vaccination.models import Vaccination

    case_opened.connect(_case_signal, sender=Case, dispatch_uid="situation.case_opened")
    case_corrected.connect(_case_signal, sender=Case, dispatch_uid="situation.case_corrected")
    post_save.connect(_case_saved, sender=Case, dispatch_uid="situation.case_saved")
    result_recorded.connect(_result_changed, sender=TestResult, dispatch_uid="situation.result_recorded")
    result_revoked.connect(_result_changed, sender=TestResult, dispatch_uid="situation.result_revoked")
    post_save.connect(_dose_changed, sender=Vaccination, dispatch_uid="situation.dose_saved")
    post_delete.connect(_dose_changed, sender=Vaccination, dispatch_uid="situation.dose_deleted")
    post_save.connect(_order_changed, sender=QuarantineOrder, dispatch_uid="situation.order_saved")
    post_delete.connect(_order_changed, sender=QuarantineOrder, dispatch_uid="situation.order_deleted")
