from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExposureConfig(AppConfig):
    name = "phongdich.exposure"
    label = "exposure"
    verbose_name = _("Exposure notifications")

    def ready(self) -> None:
        # A confirmed case gets a verification code (cases.signals); the message text is registered with notify.
        from phongdich.exposure import notify_templates, receivers  # noqa: F401
        from phongdich.exposure.synth_step import register

        # Phones for the synthetic population, after its check-ins and outbreak.
        register()
