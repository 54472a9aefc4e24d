"""Epidemic levels (Resolution 128/NQ-CP): versioned rule sets, declared treatment capacity, assessments and
their publication, and the measures each level allows for each kind of venue.

Nothing here is personal data: the records are about units. They are scoped by the viewer's units
(core.access.unit_scope) and the ``epidemic_level`` / ``level_rule_set`` / ``unit_capacity`` rows of the
permission matrix, so leaders see them too; hence no ``access_resource`` on these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EpidemicLevel(models.IntegerChoices):
    LOW = 1, _("Level 1 – low risk (green)")
    MEDIUM = 2, _("Level 2 – medium risk (yellow)")
    HIGH = 3, _("Level 3 – high risk (orange)")
    VERY_HIGH = 4, _("Level 4 – very high risk (red)")


# The one palette for levels: map, dashboard, badges.
LEVEL_COLORS: dict[int, str] = {1: "#2e7d32", 2: "#f9c80e", 3: "#ef6c00", 4: "#c62828"}

MAX_LEVEL = 4

# Census age bands (geo.AGE_BANDS) a coverage condition's age range must start and end on: the denominators
# are the unit's census band populations.
AGE_BAND_STARTS = (0, 12, 18, 50, 65)
AGE_BAND_ENDS = (11, 17, 49, 64)


class CoverageMeasure(models.TextChoices):
    FIRST_DOSE = "first_dose", _("At least one dose")
    FULL_COURSE = "full_course", _("Full course")


class LevelRuleSet(models.Model):
    """One version of the rules that turn a unit's figures into a level. Data, not code.

    The set in force on a day is the current (not replaced) one with the latest ``valid_from`` not after it;
    it is valid until the next one starts. ``bands`` is a list of ``{"band", "lower", "upper"}`` (cases per
    ``per_population`` per ``window_days``; lower inclusive, upper exclusive, ``None`` = no upper bound),
    ``coverage_conditions`` a list of ``{"age_from", "age_to", "measure", "min_share"}`` (all must hold for
    "coverage met"), ``combination`` maps a band (as a string) to ``{"met": level, "not_met": level}``.
    A set used by a published result is never changed in place: an edit makes a new version (``replaced_by``).
    """

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    valid_from = models.DateField(_("valid from"))
    notes = models.TextField(_("notes"), blank=True)
    # Where each number comes from ([seen], [recalled], [assumed …]).
    source_note = models.TextField(_("source of the numbers"), blank=True)
    window_days = models.PositiveSmallIntegerField(_("days counted"), default=7)
    per_population = models.PositiveIntegerField(_("per population of"), default=100_000)
    # QĐ 218: the numerator adds patients on oxygen (severe or critical clinical status) and deaths.
    count_severe_and_deaths = models.BooleanField(
        _("count patients on oxygen (severe, critical) and deaths with the community cases"), default=False
    )
    bands = models.JSONField(_("bands of criterion 1"))
    coverage_conditions = models.JSONField(_("coverage conditions (criterion 2)"))
    combination = models.JSONField(_("level by band and coverage"))
    capacity_raises_level = models.BooleanField(
        _("capacity not met raises the level by one (criterion 3)"), default=True
    )
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("replaced by")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-valid_from", "-version"]
        verbose_name = _("level rule set")
        verbose_name_plural = _("level rule sets")
        constraints = [
            models.UniqueConstraint(
                fields=["valid_from"], condition=models.Q(replaced_by__isnull=True), name="levels_one_current_set_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.valid_from})"

    @classmethod
    def in_force(cls, on: dt.date) -> LevelRuleSet | None:
        return cls.objects.filter(replaced_by__isnull=True, valid_from__lte=on).order_by("-valid_from", "-pk").first()

    def band_for(self, rate: float) -> int:
        for row in self.bands:
            upper = row.get("upper")
            if rate >= float(row["lower"]) and (upper is None or rate < float(upper)):
                return int(row["band"])
        return int(self.bands[-1]["band"])

    def base_level(self, band: int, coverage_met: bool) -> int:
        return int(self.combination[str(band)]["met" if coverage_met else "not_met"])


class MeasureKind(models.TextChoices):
    OPEN = "open", _("Open")
    RESTRICTED = "restricted", _("Restricted")
    CLOSED = "closed", _("Closed")


class LevelMeasure(models.Model):
    """What a kind of venue may do at a level under a rule set (Resolution 128's examples, editable)."""

    rule_set = models.ForeignKey(LevelRuleSet, on_delete=models.CASCADE, related_name="measures")
    level = models.PositiveSmallIntegerField(_("level"), choices=EpidemicLevel.choices)
    venue_kind = models.CharField(_("kind of venue"), max_length=20)
    measure = models.CharField(_("measure"), max_length=10, choices=MeasureKind.choices, default=MeasureKind.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["rule_set", "venue_kind", "level"]
        verbose_name = _("measure by level")
        verbose_name_plural = _("measures by level")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "level", "venue_kind"], name="levels_one_measure_per_cell")
        ]

    def __str__(self) -> str:
        return f"{self.venue_kind} @ {self.level}: {self.measure}"


class UnitCapacity(models.Model):
    """A unit's declaration of its treatment capacity (criterion 3). The newest declaration counts."""

    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    capacity_met = models.BooleanField(_("capacity met"))
    treatment_beds = models.PositiveIntegerField(_("COVID treatment beds"), null=True, blank=True)
    free_beds = models.PositiveIntegerField(_("free treatment beds"), null=True, blank=True)
    icu_beds = models.PositiveIntegerField(_("intensive care beds"), null=True, blank=True)
    home_care_capacity = models.PositiveIntegerField(_("cases that can be cared for at home"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("treatment capacity declaration")
        verbose_name_plural = _("treatment capacity declarations")
        indexes = [models.Index(fields=["unit", "-declared_at"], name="levels_capacity_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.capacity_met}"


class AssessmentStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    PROPOSED = "proposed", _("Proposed by the district")
    APPROVED = "approved", _("Approved by the province")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class Assessment(models.Model):
    """One unit's level as computed at a time, with the figures behind it, and its way to publication."""

    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    rule_set = models.ForeignKey(LevelRuleSet, on_delete=models.PROTECT, related_name="assessments")
    assessed_at = models.DateTimeField(_("figures as of"))
    level = models.PositiveSmallIntegerField(_("level"), choices=EpidemicLevel.choices)
    band = models.PositiveSmallIntegerField(_("band of criterion 1"))
    coverage_met = models.BooleanField(_("coverage met"))
    capacity_met = models.BooleanField(_("capacity met"))
    # cases, population, rate, band, coverage shares and conditions, capacity: everything the level came from.
    inputs = models.JSONField(_("inputs"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.COMPUTED
    )
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(_("in effect from"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("level assessment")
        verbose_name_plural = _("level assessments")
        indexes = [
            models.Index(fields=["unit", "-created_at"], name="levels_assessment_unit_idx"),
            models.Index(fields=["status", "effective_at"], name="levels_assessment_pub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.level} ({self.status})"

    @property
    def color(self) -> str:
        return LEVEL_COLORS.get(self.level, "#777777")

    @property
    def explanation(self) -> str:
        """The level explained from the stored inputs, in the current language."""
        from phongdich.levels.explain import explain

        return explain(self.level, self.inputs)

    def input(self, key: str, default: Any = None) -> Any:
        return self.inputs.get(key, default)
