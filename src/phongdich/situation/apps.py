from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationConfig(AppConfig):
    name = "phongdich.situation"
    label = "situation"
    verbose_name = _("Situation and dashboard")

    def ready(self) -> None:
        from phongdich.situation import receivers, synth_step

        receivers.connect()
        # The demo's dashboard has figures: the stats are rebuilt after the synthetic outbreak.
        synth_step.register()
