from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "phongdich.reports"
    label = "reports"
    verbose_name = _("Daily reports and directives")

    def ready(self) -> None:
        from phongdich.reports import notify_templates, synth_step  # noqa: F401

        # The demo's communes report for the last days and receive directives, after the outbreak is made.
        synth_step.register()
