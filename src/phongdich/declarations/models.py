"""Health declarations, the areas outside the province people come from, the versioned risk rules, and
the phone one-time codes (``accounts.phone_otp``).

A declaration belongs to its destination commune (``to_commune``): the officers there see it. It is matched to a
registered person when one is known (citizen ID, or phone + name + birth year); the risk rules register the
person (in the destination commune) when an action needs one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class PhoneChallenge(models.Model):
    """One one-time code sent to a phone. Only a keyed hash of the code is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone = models.CharField(max_length=16, db_index=True)
    purpose = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    burned = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")

    def __str__(self) -> str:
        return str(self.id)


class ExternalArea(models.Model):
    """A province outside the platform's geo tree, with the epidemic level this province applies to it."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(
        _("level"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("area outside the province")
        verbose_name_plural = _("areas outside the province")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Condition(models.TextChoices):
    FROM_LEVEL = "from_level", _("Coming from an area at this level or higher")
    FROM_LOCKDOWN = "from_lockdown", _("Coming from a lockdown zone")
    SYMPTOMS = "symptoms", _("Has symptoms")
    CONTACT = "contact", _("Contact with F0/F1")


class RiskAction(models.TextChoices):
    CALL = "call", _("Task: call the person")
    TEST = "test", _("Testing order: take a sample")
    QUARANTINE = "quarantine", _("Quarantine order")


class DeclarationRiskPolicy(models.Model):
    """One version of the risk rules, in force from ``valid_from``; a change is a new version."""

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), unique=True)
    valid_from = models.DateTimeField(_("in force from"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-valid_from", "-version"]
        verbose_name = _("declaration risk policy")
        verbose_name_plural = _("declaration risk policies")

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class DeclarationRiskRule(models.Model):
    """A condition and the action it calls for."""

    policy = models.ForeignKey(DeclarationRiskPolicy, on_delete=models.CASCADE, related_name="rules")
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices)
    # For "from_level": the lowest level that matches (3 matches levels 3 and 4).
    min_level = models.PositiveSmallIntegerField(_("from level"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=RiskAction.choices)

    class Meta:
        ordering = ["policy", "id"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")

    def __str__(self) -> str:
        return f"{self.condition}>={self.min_level or ''} -> {self.action}"


class DeclarationKind(models.TextChoices):
    MOVEMENT = "movement", _("Domestic movement")
    ENTRY = "entry", _("Entry into the province")
    PERIODIC = "periodic", _("Periodic symptom declaration")


class DeclarationStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    SUPERSEDED = "superseded", _("Replaced by a newer declaration")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VehicleKind(models.TextChoices):
    NONE = "", _("None / on foot")
    CAR = "car", _("Car")
    MOTORBIKE = "motorbike", _("Motorbike")
    BUS = "bus", _("Bus or coach")
    TRUCK = "truck", _("Truck")
    TRAIN = "train", _("Train")
    PLANE = "plane", _("Plane")
    BOAT = "boat", _("Boat")


class VaccinationClaim(models.TextChoices):
    UNKNOWN = "unknown", _("Not known")
    NONE = "none", _("Not vaccinated")
    PARTIAL = "partial", _("One dose or incomplete course")
    FULL = "full", _("Full course")


class Declaration(models.Model):
    """One person's declaration (several from one submission share ``submission_id``)."""

    access_resource = "declaration"
    jurisdiction_lookup = "to_commune"
    person_lookup = "person"

    # The client's id of the submission and the person's place in it: a retried submission stores nothing twice.
    submission_id = models.UUIDField(_("submission"), db_index=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The one-time code that confirmed the phone: a retry must come with the same one.
    challenge_id = models.UUIDField(null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DeclarationKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.ACTIVE
    )
    full_name = models.CharField(_("full name"), max_length=150)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    sex = models.CharField(_("sex"), max_length=6)
    citizen_id = models.CharField(_("citizen ID"), max_length=12, blank=True)
    # The declarant's confirmed phone (the family's, for members declared with them), E.164.
    phone = models.CharField(_("phone"), max_length=16, db_index=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="declarations"
    )
    from_unit = models.ForeignKey(
        "geo.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_area = models.ForeignKey(ExternalArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_level = models.PositiveSmallIntegerField(_("level of origin"), null=True, blank=True)
    from_lockdown = models.BooleanField(_("from a lockdown zone"), default=False)
    to_commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("destination commune")
    )
    to_address = models.CharField(_("address at destination"), max_length=255, blank=True)
    travel_date = models.DateField(_("date"))
    vehicle_kind = models.CharField(_("vehicle"), max_length=10, choices=VehicleKind.choices, blank=True)
    vehicle_plate = models.CharField(_("plate"), max_length=16, blank=True)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    contact_f0_f1 = models.BooleanField(_("contact with F0/F1"), default=False)
    places_visited = models.TextField(_("places visited"), blank=True)
    vaccination = models.CharField(_("vaccination"), max_length=8, choices=VaccinationClaim.choices)
    vaccination_from_platform = models.BooleanField(_("vaccination read from the platform"), default=False)
    valid_until = models.DateTimeField(_("valid until"))
    policy = models.ForeignKey(DeclarationRiskPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # [{"rule": id, "condition": ..., "action": ..., "why": "..."}]: which rules matched and why.
    risk_matches = models.JSONField(_("risk rules matched"), default=list, blank=True)
    at_risk = models.BooleanField(_("at risk"), default=False, db_index=True)
    quarantine_order = models.ForeignKey(
        "quarantine.QuarantineOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("declared at"), default=timezone.now, db_index=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
        constraints = [
            models.UniqueConstraint(fields=["submission_id", "position"], name="declarations_once_per_submission")
        ]
        indexes = [models.Index(fields=["to_commune", "created_at"], name="declarations_commune_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def origin_name(self) -> str:
        if self.from_unit is not None:
            return self.from_unit.name
        if self.from_area is not None:
            return self.from_area.name
        return ""

    @property
    def origin_code(self) -> str:
        if self.from_unit is not None:
            return self.from_unit.code
        if self.from_area is not None:
            return self.from_area.code
        return ""
