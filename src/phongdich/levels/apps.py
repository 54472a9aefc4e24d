from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LevelsConfig(AppConfig):
    name = "phongdich.levels"
    label = "levels"
    verbose_name = _("Epidemic levels")

    def ready(self) -> None:
        from phongdich.levels import synth_step, tasks  # noqa: F401

        # The synthetic province's levels: assessed and published after the outbreak and vaccination steps.
        synth_step.register()
