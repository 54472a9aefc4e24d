"""Daily figures per commune, kept up to date incrementally so the dashboard never reads raw rows.

A ``CommuneDayStat`` row holds one commune's counters for one local day (Asia/Ho_Chi_Minh). Rows are
recomputed, never incremented: a change to a case, result, dose or quarantine order recomputes the
(commune, day) rows it touches after commit (``situation.stats``), so recomputing is always safe and a
lost update is repaired by the periodic refresh or ``phongdich situation-rebuild``. Figures only: no
personal data, so no ``access_resource`` (they are shown to leaders too, through the unit scope).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Counter fields of CommuneDayStat, in the order the rebuild fills them.
CASE_COUNTERS = ("cases_community", "cases_in_quarantine", "cases_in_lockdown", "cases_imported")
ONSET_COUNTERS = ("onset_community", "onset_in_quarantine", "onset_in_lockdown", "onset_imported")
OTHER_COUNTERS = (
    "tests",
    "positives",
    "deaths",
    "recoveries",
    "doses",
    "first_doses",
    "full_courses",
    "quarantine_started",
)
COUNTERS: tuple[str, ...] = CASE_COUNTERS + ONSET_COUNTERS + OTHER_COUNTERS


class CommuneDayStat(models.Model):
    """One commune's counters for one local day."""

    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    day = models.DateField(_("day"))
    # New cases by confirmation day, by where they were detected (voided cases never count).
    cases_community = models.PositiveIntegerField(_("new cases in the community"), default=0)
    cases_in_quarantine = models.PositiveIntegerField(_("new cases already in quarantine"), default=0)
    cases_in_lockdown = models.PositiveIntegerField(_("new cases in locked-down areas"), default=0)
    cases_imported = models.PositiveIntegerField(_("new imported cases"), default=0)
    # The same cases by onset day (cases without a known onset are not counted here).
    onset_community = models.PositiveIntegerField(_("onsets in the community"), default=0)
    onset_in_quarantine = models.PositiveIntegerField(_("onsets in quarantine"), default=0)
    onset_in_lockdown = models.PositiveIntegerField(_("onsets in locked-down areas"), default=0)
    onset_imported = models.PositiveIntegerField(_("imported onsets"), default=0)
    # Tests with a standing result, by sampling day, and the positive ones among them.
    tests = models.PositiveIntegerField(_("tests with a result"), default=0)
    positives = models.PositiveIntegerField(_("positive tests"), default=0)
    # Outcomes by their date.
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    recoveries = models.PositiveIntegerField(_("recoveries"), default=0)
    # Doses by the day given, by the person's home commune.
    doses = models.PositiveIntegerField(_("vaccine doses given"), default=0)
    first_doses = models.PositiveIntegerField(_("first doses given"), default=0)
    full_courses = models.PositiveIntegerField(_("primary courses completed"), default=0)
    # Quarantine orders by their start day.
    quarantine_started = models.PositiveIntegerField(_("quarantine orders started"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commune day figures")
        verbose_name_plural = _("commune day figures")
        constraints = [models.UniqueConstraint(fields=["commune", "day"], name="situation_one_row_per_commune_day")]
        indexes = [models.Index(fields=["day", "commune"], name="situation_day_commune")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.day}"


class CaseDays(models.Model):
    """The (commune, days) a case was last counted in, so a change also recomputes the days it left.

    No foreign key to the case: the row outlives nothing but is only a hint; a missing or stale row is
    repaired by the periodic refresh."""

    case_id = models.BigIntegerField(primary_key=True)
    commune_id = models.BigIntegerField()
    days = models.JSONField(default=list)

    class Meta:
        verbose_name = _("case days counted")
        verbose_name_plural = _("case days counted")

    def __str__(self) -> str:
        return f"{self.case_id}"


class CommuneTotal(models.Model):
    """A commune's running totals over every day (doses, courses, deaths, cases), kept with its day rows so the
    dashboard reads one row per commune instead of summing every day ever recorded."""

    commune = models.OneToOneField(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    cases = models.PositiveIntegerField(default=0)
    deaths = models.PositiveIntegerField(default=0)
    first_doses = models.PositiveIntegerField(default=0)
    full_courses = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commune totals")
        verbose_name_plural = _("commune totals")

    def __str__(self) -> str:
        return f"{self.commune_id}"
