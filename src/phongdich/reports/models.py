"""Daily reports sent up by communes, and directives sent down by the province and districts.

A commune's steering committee submits one report per local day (``DailyReport``); submitting again
revises it and the values replaced are kept (``DailyReportRevision``). Each figure is stored twice: what the
commune submitted and what the platform's own records said when the form was filled, for comparison.

A directive (``Directive``) goes from a unit (the province, a district) to chosen units; each recipient unit
has one ``DirectiveRecipient`` row recording the first reading and the acknowledgement by one of its officers.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet

# The figures of a daily report, in form order, with their labels.
FIGURES: tuple[tuple[str, str | Promise], ...] = (
    ("new_cases", _("New cases (F0)")),
    ("f1_traced", _("F1 contacts traced")),
    ("quarantined_facility", _("People in facility quarantine")),
    ("quarantined_home", _("People in home quarantine")),
    ("tests", _("Tests taken")),
    ("positives", _("Positive tests")),
    ("vaccinations", _("Vaccination doses given")),
)
FIGURE_NAMES: tuple[str, ...] = tuple(name for name, _label in FIGURES)


class DailyReport(models.Model):
    """A commune's report for one local day. One per commune and day; a resubmission revises it."""

    access_resource = "daily_report"
    jurisdiction_lookup = "commune"

    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    day = models.DateField(_("report day"))
    new_cases = models.PositiveIntegerField(_("New cases (F0)"), default=0)
    f1_traced = models.PositiveIntegerField(_("F1 contacts traced"), default=0)
    quarantined_facility = models.PositiveIntegerField(_("People in facility quarantine"), default=0)
    quarantined_home = models.PositiveIntegerField(_("People in home quarantine"), default=0)
    tests = models.PositiveIntegerField(_("Tests taken"), default=0)
    positives = models.PositiveIntegerField(_("Positive tests"), default=0)
    vaccinations = models.PositiveIntegerField(_("Vaccination doses given"), default=0)
    # What the platform counted when the form was filled: the difference shows what the records miss.
    platform_new_cases = models.PositiveIntegerField(null=True, blank=True)
    platform_f1_traced = models.PositiveIntegerField(null=True, blank=True)
    platform_quarantined_facility = models.PositiveIntegerField(null=True, blank=True)
    platform_quarantined_home = models.PositiveIntegerField(null=True, blank=True)
    platform_tests = models.PositiveIntegerField(null=True, blank=True)
    platform_positives = models.PositiveIntegerField(null=True, blank=True)
    platform_vaccinations = models.PositiveIntegerField(null=True, blank=True)
    difficulties = models.TextField(_("difficulties and proposals"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    revised_at = models.DateTimeField(_("revised at"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "commune__path"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["commune", "day"], name="reports_one_per_commune_day")]
        indexes = [models.Index(fields=["day", "commune"], name="reports_daily_day")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.day.isoformat()}"

    def figures(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in FIGURE_NAMES}

    def platform_figures(self) -> dict[str, int | None]:
        return {name: getattr(self, f"platform_{name}") for name in FIGURE_NAMES}

    def on_time(self, deadline: dt.datetime) -> bool:
        return self.submitted_at <= deadline


class DailyReportRevision(models.Model):
    """The values a revision replaced: the report as it stood before each resubmission."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    figures = models.JSONField(_("figures"), default=dict)
    difficulties = models.TextField(_("difficulties and proposals"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    replaced_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["report", "revision"]
        constraints = [models.UniqueConstraint(fields=["report", "revision"], name="reports_one_revision_number")]

    def __str__(self) -> str:
        return f"{self.report_id} r{self.revision}"


class Directive(models.Model):
    """A directive or announcement from a unit (the province, a district) to chosen units.

    Not scoped by ``core.access`` itself: the sender's side sees directives sent from units within its scope,
    recipients see theirs through ``DirectiveRecipient`` (see services).
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    # Kept outside the public static and media URLs: served by a view to the sender and recipients only.
    attachment = models.FileField(_("attachment"), upload_to="directives/%Y/%m/", blank=True, max_length=255)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    # A device's retry sends the same key: the directive stored the first time is returned.
    request_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "request_key"],
                condition=~models.Q(request_key=""),
                name="reports_directive_request_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class DirectiveRecipient(models.Model):
    """One recipient unit of a directive: when one of its officers first opened it, and acknowledged it."""

    access_resource = "directive"
    jurisdiction_lookup = "unit"

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["directive", "unit__path"]
        verbose_name = _("directive recipient")
        verbose_name_plural = _("directive recipients")
        constraints = [models.UniqueConstraint(fields=["directive", "unit"], name="reports_one_recipient_per_unit")]
        indexes = [models.Index(fields=["unit", "acknowledged_at"], name="reports_recipient_inbox")]

    def __str__(self) -> str:
        return f"{self.directive_id} → {self.unit_id}"

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.acknowledged_at is None and self.directive.acknowledge_by < (now or timezone.now())
