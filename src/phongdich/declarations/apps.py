from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "phongdich.declarations"
    label = "declarations"
    verbose_name = _("Health declarations")

    def ready(self) -> None:
        from phongdich.declarations import notify_templates, synth_step  # noqa: F401

        synth_step.register()
