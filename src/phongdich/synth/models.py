"""A record of each synthetic population generated, so it can be found and replaced later."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SynthRun(models.Model):
    """One ``phongdich synth`` run for a province: its parameters, counts and the rows it wrote.

    Generated rows carry no mark of their own; instead each step records here the id ranges it
    wrote (``{"person": [first, last], ...}``), which is how ``--replace`` finds them again.
    """

    province = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    seed = models.BigIntegerField(_("seed"))
    scale = models.FloatField(_("scale"))
    as_of = models.DateField(_("reference date"))
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    id_ranges = models.JSONField(_("id ranges written"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    seconds = models.FloatField(_("duration in seconds"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("synthetic population run")
        verbose_name_plural = _("synthetic population runs")

    def __str__(self) -> str:
        return f"synth run {self.pk} (seed {self.seed}, scale {self.scale})"

    def id_range(self, key: str) -> tuple[int, int] | None:
        """The first and last id written under ``key``, or None when the step wrote nothing."""
        bounds = self.id_ranges.get(key)
        if not bounds:
            return None
        return int(bounds[0]), int(bounds[1])
