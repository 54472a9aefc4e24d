from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockdownConfig(AppConfig):
    name = "phongdich.lockdown"
    label = "lockdown"
    verbose_name = _("Lockdown zones")

    def ready(self) -> None:
        # New cases are checked against the zones in force (receivers); the demo gets its zones (synth_step).
        from phongdich.lockdown import receivers, synth_step  # noqa: F401

        synth_step.register()
