from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    name = "phongdich.synth"
    verbose_name = _("Synthetic province")
