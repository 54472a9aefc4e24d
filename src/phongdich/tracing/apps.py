from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "phongdich.tracing"
    verbose_name = _("Contact tracing")

    def ready(self) -> None:
        # Tracing starts when a case opens and follows its corrections (cases.signals).
        from phongdich.tracing import receivers  # noqa: F401
