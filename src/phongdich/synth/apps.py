from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    name = "phongdich.synth"
    verbose_name = _("Synthetic province")

    def ready(self) -> None:
        from phongdich.synth.checkins_step import CheckInStep
        from phongdich.synth.generator import register_step
        from phongdich.synth.outbreak_step import OutbreakStep
        from phongdich.synth.vaccination_step import VaccinationStep
        from phongdich.synth.venues_step import VenueStep

        register_step(VenueStep())
        register_step(CheckInStep())
        register_step(OutbreakStep())
        register_step(VaccinationStep())
