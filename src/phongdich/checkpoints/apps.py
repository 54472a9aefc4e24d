from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "phongdich.checkpoints"
    label = "checkpoints"
    verbose_name = _("Gateway checkpoints")

    def ready(self) -> None:
        # The demo province gets its gateway checkpoints (Bạch Đằng bridge …) with shifts and some passes.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from phongdich.checkpoints import synth_step
        from phongdich.checkpoints.models import Checkpoint, Shift
        from phongdich.core.memo import forget_all

        synth_step.register()
        # The scan path keeps "may this account scan at this checkpoint" for a few seconds (core.memo).
        for model in (Checkpoint, Shift):
            post_save.connect(forget_all, sender=model, dispatch_uid=f"memo-save-{model.__name__}")
            post_delete.connect(forget_all, sender=model, dispatch_uid=f"memo-delete-{model.__name__}")
        for through in (Checkpoint.officers.through, Shift.officers.through):
            m2m_changed.connect(forget_all, sender=through, dispatch_uid=f"memo-m2m-{through.__name__}")
