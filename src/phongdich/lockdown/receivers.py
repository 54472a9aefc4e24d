"""A case opened among the residents of a zone in force is marked as found in a locked-down area.

``case_opened`` is sent after the opening transaction commits, so the quarantine app's marking (inside that
transaction) has already happened; only a case still counted as community is changed.
"""

from __future__ import annotations

from typing import Any

from phongdich.cases.models import Case
from phongdich.cases.signals import case_opened


def _on_case_opened(sender: Any, case: Case, **kwargs: Any) -> None:
    from phongdich.lockdown.services import mark_case_if_in_zone

    mark_case_if_in_zone(case)


case_opened.connect(_on_case_opened, sender=Case, dispatch_uid="lockdown.case_opened")
