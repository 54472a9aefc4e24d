"""Signal receivers: tracing's F1s become orders; test results fill the schedule or end the order.

Connected when the app is ready (``apps.py``); ``cases`` is installed before this app, so for a positive
result the case is opened first and the order then ends with the case marked as detected in quarantine.
"""

from __future__ import annotations

from typing import Any

from phongdich.testing.models import TestResult
from phongdich.testing.signals import result_recorded
from phongdich.tracing.models import Contact
from phongdich.tracing.signals import contacts_found


def _on_contacts_found(sender: Any, contact_ids: list[int], **kwargs: Any) -> None:
    from phongdich.quarantine.services import place_contacts_under_quarantine

    place_contacts_under_quarantine(contact_ids)


def _on_result_recorded(sender: Any, result: TestResult, **kwargs: Any) -> None:
    from phongdich.quarantine.services import record_scheduled_test_result

    record_scheduled_test_result(result)


contacts_found.connect(_on_contacts_found, sender=Contact, dispatch_uid="quarantine.contacts_found")
result_recorded.connect(_on_result_recorded, sender=TestResult, dispatch_uid="quarantine.result_recorded")
