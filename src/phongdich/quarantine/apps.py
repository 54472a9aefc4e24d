from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "phongdich.quarantine"
    verbose_name = _("Quarantine")

    def ready(self) -> None:
        # Orders follow tracing (contacts_found) and results (testing.result_recorded); see receivers.
        from phongdich.quarantine import receivers, synth_step  # noqa: F401

        # The synthetic province places its traced F1s in quarantine after the outbreak step.
        synth_step.register()
