from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "phongdich.portal"
    label = "portal"
    verbose_name = _("Citizen portal")

    def ready(self) -> None:
        from phongdich.portal import notify_templates, synth_step  # noqa: F401

        synth_step.register()
