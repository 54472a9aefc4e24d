"""A case that opens gets its verification code at once (sent to the person's phone as a link)."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from phongdich.cases.models import Case
from phongdich.cases.signals import case_opened
from phongdich.core.errors import DomainError

logger = logging.getLogger(__name__)


@receiver(case_opened, sender=Case, dispatch_uid="exposure.case_opened")
def _on_case_opened(sender: Any, case: Case, **kwargs: Any) -> None:
    from phongdich.exposure.services import issue_code_for_new_case

    try:
        issue_code_for_new_case(case)
    except DomainError as exc:
        # The case stands; an official can still issue a code by hand. Ids only in the log.
        logger.warning("no verification code for case %s: %s", case.pk, exc.detail)
