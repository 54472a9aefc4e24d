"""Tracing follows the cases app's signals: a case opened is traced; a corrected one is traced again."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from phongdich.cases.signals import case_corrected, case_opened


@receiver(case_opened, dispatch_uid="tracing.case_opened")
def _case_opened(sender: Any, case: Any, **kwargs: Any) -> None:
    from phongdich.tracing.services import Trigger, schedule

    schedule(case.pk, Trigger.OPENED)


@receiver(case_corrected, dispatch_uid="tracing.case_corrected")
def _case_corrected(sender: Any, case: Any, **kwargs: Any) -> None:
    from phongdich.tracing.services import Trigger, schedule

    schedule(case.pk, Trigger.CORRECTED)
