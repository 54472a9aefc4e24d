from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "phongdich.checkpoints"
    label = "checkpoints"
    verbose_name = _("Gateway checkpoints")

    def ready(self) -> None:
        # The demo province gets its gateway checkpoints (Bạch Đằng bridge …) with shifts and some passes.
        from phongdich.checkpoints import synth_step

        synth_step.register()
