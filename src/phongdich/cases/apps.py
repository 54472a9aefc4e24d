from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "phongdich.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Results are the testing app's; what a result means for a case is decided here.
        from phongdich.testing.models import TestResult
        from phongdich.testing.signals import result_recorded, result_revoked

        result_recorded.connect(_on_result_recorded, sender=TestResult, dispatch_uid="cases.result_recorded")
        result_revoked.connect(_on_result_revoked, sender=TestResult, dispatch_uid="cases.result_revoked")


def _on_result_recorded(sender: Any, result: Any, **kwargs: Any) -> None:
    from phongdich.cases.services import consider_result

    consider_result(result)


def _on_result_revoked(sender: Any, result: Any, **kwargs: Any) -> None:
    from phongdich.cases.services import result_revoked

    result_revoked(result)
