"""Venues (QR check-in points), their posters' keys, stay rules and COVID-safety self-assessments."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class VenueKind(models.TextChoices):
    MARKET = "market", _("Market")
    SUPERMARKET = "supermarket", _("Supermarket")
    SHOP = "shop", _("Shop")
    RESTAURANT = "restaurant", _("Restaurant or café")
    OFFICE = "office", _("Office")
    FACTORY = "factory", _("Factory or mine")
    SCHOOL = "school", _("School")
    CLINIC = "clinic", _("Hospital or clinic")
    PHARMACY = "pharmacy", _("Pharmacy")
    HOTEL = "hotel", _("Hotel")
    TOURIST_SITE = "tourist_site", _("Tourist site")
    BUS = "bus", _("Bus")
    FERRY = "ferry", _("Ferry")
    STATION = "station", _("Station")
    RELIGIOUS_SITE = "religious_site", _("Religious site")
    EVENT = "event", _("Event")


class VenueStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


def new_venue_code() -> str:
    """The venue's stable public code, printed under the QR (8 characters, no look-alikes)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def new_qr_key() -> str:
    """The secret in the poster's URL (/c/<key>): 128 random bits, so it cannot be guessed."""
    return secrets.token_urlsafe(16)


def response_plan_path(instance: Venue, filename: str) -> str:
    """Stored under a random name: the file is reached only through the scoped download view."""
    return f"venues/plans/{secrets.token_hex(16)}.pdf"


class Venue(models.Model):
    access_resource = "venue"
    jurisdiction_lookup = "commune"
    # Venue operators act on the venues they operate, wherever those are.
    operator_lookup = "operators"

    code = models.CharField(_("venue code"), max_length=12, unique=True, default=new_venue_code)
    qr_key = models.CharField(max_length=32, unique=True, default=new_qr_key, editable=False)
    qr_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=VenueKind.choices)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="venues", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=255)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=VenueStatus.choices, default=VenueStatus.PENDING)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="operated_venues", verbose_name=_("operators")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The business's epidemic response plan (phương án phòng chống dịch), a PDF kept on file.
    response_plan = models.FileField(
        _("response plan"), upload_to=response_plan_path, blank=True, max_length=200, editable=False
    )
    response_plan_uploaded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The latest self-assessment's class, kept here so lists and the map need no join.
    risk_class = models.CharField(_("risk class"), max_length=10, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        indexes = [models.Index(fields=["commune", "status"], name="venues_commune_status")]

    def __str__(self) -> str:
        return self.name


class VenueStatusChange(models.Model):
    """Each approval, suspension, closure or reopening, with its reason: the venue's history."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=10, choices=VenueStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=VenueStatus.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("venue status change")
        verbose_name_plural = _("venue status changes")

    def __str__(self) -> str:
        return f"{self.venue_id}: {self.from_status} → {self.to_status}"


class RetiredQrKey(models.Model):
    """A poster key replaced by rotation: scanning it says the poster is outdated, and records nothing."""

    key = models.CharField(max_length=32, unique=True)
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="retired_qr_keys")
    retired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("retired QR key")
        verbose_name_plural = _("retired QR keys")

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.retired_at:%Y-%m-%d}"


class StayRule(models.Model):
    """How long a visit to a kind of venue lasts when nobody checks out: the inferred check-out."""

    kind = models.CharField(_("venue type"), max_length=20, choices=VenueKind.choices, unique=True)
    minutes = models.PositiveIntegerField(_("default stay (minutes)"))

    class Meta:
        ordering = ["kind"]
        verbose_name = _("default stay")
        verbose_name_plural = _("default stays")

    def __str__(self) -> str:
        return f"{self.kind}: {self.minutes} min"


class RiskClass(models.TextChoices):
    """The classes of the Ministry of Health's COVID-safety map, safest first."""

    SAFE = "safe", _("Safe")
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")
    VERY_HIGH = "very_high", _("Very high risk")


class SafetyChecklist(models.Model):
    """One version of the self-assessment checklist; the newest active version is the one venues answer.

    ``criteria`` is a list of ``{"key", "label", "weight", "critical"}``: a "yes" earns the weight. A
    "no" to a critical criterion caps the class at high risk. ``thresholds`` maps each class but
    ``very_high`` to the smallest score (percent of the total weight) that earns it.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    criteria = models.JSONField(_("criteria"))
    thresholds = models.JSONField(_("class thresholds"))
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("safety checklist")
        verbose_name_plural = _("safety checklists")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class SafetyAssessment(models.Model):
    """A venue's answers to one checklist version, with the score and class they earned."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="safety_assessments")
    checklist = models.ForeignKey(SafetyChecklist, on_delete=models.PROTECT, related_name="assessments")
    answers = models.JSONField(_("answers"))
    score = models.PositiveIntegerField(_("score (percent)"))
    risk_class = models.CharField(_("risk class"), max_length=10, choices=RiskClass.choices)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = _("safety self-assessment")
        verbose_name_plural = _("safety self-assessments")
        indexes = [models.Index(fields=["venue", "assessed_at"], name="venues_assessment_venue_time")]

    def __str__(self) -> str:
        return f"{self.venue_id}: {self.risk_class} ({self.score}%)"
