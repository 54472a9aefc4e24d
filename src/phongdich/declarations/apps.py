from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "phongdich.declarations"
    label = "declarations"
    verbose_name = _("Health declarations")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from phongdich.core.memo import forget_all
        from phongdich.declarations import notify_templates, synth_step  # noqa: F401
        from phongdich.declarations.models import ExternalArea

        synth_step.register()
        # Areas outside the province are kept in the reference-row memo of the checkpoint path (core.memo).
        post_save.connect(forget_all, sender=ExternalArea, dispatch_uid="memo-save-ExternalArea")
        post_delete.connect(forget_all, sender=ExternalArea, dispatch_uid="memo-delete-ExternalArea")
