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


class TransmissionSetting(models.TextChoices):
    INDEX = "index", _("Index infection (seeded)")
    VENUE = "venue", _("Co-presence at a venue")
    HOUSEHOLD = "household", _("Household")


class TransmissionEvent(models.Model):
    """Ground truth of a synthetic outbreak: one row per infected person, saying who infected them, when, where.

    An evaluation table: no screen, API or tracing code reads it; only the evaluation of contact tracing
    against the truth does (``synth.evaluation``). Besides the transmission it keeps the course the
    generator drew for the infected person (symptoms, onset, isolation), which the platform never sees.
    """

    run = models.ForeignKey(SynthRun, on_delete=models.CASCADE, related_name="transmissions")
    infectee = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    # Null for a seeded index infection (infected outside the province's data).
    infector = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("infected at"))
    setting = models.CharField(_("setting"), max_length=10, choices=TransmissionSetting.choices)
    venue = models.ForeignKey("venues.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # For a venue transmission: the two check-ins (by their scan times) and the true overlap of the stays.
    infector_checked_in_at = models.DateTimeField(null=True, blank=True)
    infectee_checked_in_at = models.DateTimeField(null=True, blank=True)
    overlap_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The infectee's course as drawn: no onset for an asymptomatic infection; isolation when a test found it.
    symptomatic = models.BooleanField(default=True)
    onset_at = models.DateTimeField(null=True, blank=True)
    isolated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("synthetic transmission event")
        verbose_name_plural = _("synthetic transmission events")
        constraints = [
            models.UniqueConstraint(fields=["run", "infectee"], name="synth_one_infection_per_person_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.infector_id or 'index'} → {self.infectee_id} ({self.setting})"
