"""Gateway checkpoints (chốt kiểm soát): where travellers enter or leave the province, who works there, the entry
rules they apply (versioned data) and every pass they decide.

A pass keeps what the decision needs and no more: the kind of evidence shown and a short reference to it (a
declaration id, a certificate's issuer key, a release certificate number), the person when the platform knows
them, the traveller's initials and age as the screen showed them, never the raw code.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class Direction(models.TextChoices):
    ENTRY = "entry", _("Entry")
    EXIT = "exit", _("Exit")


class Directions(models.TextChoices):
    BOTH = "both", _("Entry and exit")
    ENTRY = "entry", _("Entry only")
    EXIT = "exit", _("Exit only")


class DecisionKind(models.TextChoices):
    LET_THROUGH = "let_through", _("Let through")
    LET_THROUGH_NOTIFY = "let_through_notify", _("Let through, notify the destination commune")
    TEST_ON_SPOT = "test_on_spot", _("Test on the spot")
    TURN_BACK = "turn_back", _("Turn back")


class EvidenceKind(models.TextChoices):
    PERSONAL_QR = "personal_qr", _("Personal QR")
    DECLARATION = "declaration", _("Health declaration")
    DCC_VACCINATION = "dcc_vaccination", _("Vaccination certificate")
    DCC_TEST = "dcc_test", _("Test certificate")
    DCC_RECOVERY = "dcc_recovery", _("Recovery certificate")
    RELEASE = "release", _("Release from quarantine")
    UNREADABLE = "unreadable", _("Not valid")


class Checkpoint(models.Model):
    """A gateway checkpoint in a commune (e.g. Cầu Bạch Đằng), with the officers who work there."""

    access_resource = "checkpoint"
    jurisdiction_lookup = "commune"

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    directions = models.CharField(_("directions"), max_length=8, choices=Directions.choices, default=Directions.BOTH)
    active = models.BooleanField(_("active"), default=True)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="checkpoints", verbose_name=_("officers")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """A shift at a checkpoint and the officers on it (checkpoint officers assigned to the checkpoint)."""

    access_resource = "checkpoint"
    jurisdiction_lookup = "checkpoint__commune"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.starts_at:%Y-%m-%d %H:%M}"


class EntryRuleSet(models.Model):
    """One version of the entry rules, in force from ``valid_from`` until a later version starts.

    ``rules`` is an ordered list; the first rule whose conditions all hold decides:
    ``{"when": {"from_level_at_least": 4, ...}, "decision": "test_on_spot", "reason": "..."}``.
    The conditions are listed in :data:`phongdich.checkpoints.rules.CONDITIONS`.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateTimeField(_("in force from"))
    rules = models.JSONField(_("rules"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-valid_from", "-version"]
        verbose_name = _("entry rule set")
        verbose_name_plural = _("entry rule sets")

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class VehiclePass(models.Model):
    """A vehicle through a checkpoint: its plate, and its driver's and passengers' passes."""

    access_resource = "checkpoint_pass"
    jurisdiction_lookup = "checkpoint__commune"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="vehicle_passes")
    plate = models.CharField(_("plate"), max_length=16)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("vehicle pass")
        verbose_name_plural = _("vehicle passes")
        indexes = [models.Index(fields=["checkpoint", "plate", "at"], name="checkpoints_vehicle_plate")]

    def __str__(self) -> str:
        return self.plate


class Pass(models.Model):
    """One traveller's pass: the decision, on what evidence, who decided, and any override."""

    access_resource = "checkpoint_pass"
    jurisdiction_lookup = "checkpoint__commune"
    person_lookup = "person"

    client_uuid = models.UUIDField(_("scan id"), unique=True, default=uuid.uuid4)
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="passes")
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    at = models.DateTimeField(_("scanned at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    decision = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    decided = models.CharField(_("decided by the rules"), max_length=20, choices=DecisionKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    rule_set_version = models.PositiveIntegerField(_("rule set version"), null=True, blank=True)
    rule_index = models.PositiveSmallIntegerField(_("rule"), null=True, blank=True)
    evidence_kind = models.CharField(_("evidence"), max_length=20, choices=EvidenceKind.choices)
    evidence_ref = models.CharField(_("evidence reference"), max_length=80, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkpoint_passes"
    )
    # What the officer's screen showed: enough to match the traveller in front of them, nothing more.
    initials = models.CharField(_("initials"), max_length=24, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    from_level = models.PositiveSmallIntegerField(_("level of origin"), null=True, blank=True)
    destination = models.ForeignKey(
        "geo.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.ForeignKey(VehiclePass, null=True, blank=True, on_delete=models.SET_NULL, related_name="passes")
    is_driver = models.BooleanField(_("driver"), default=False)
    task_id = models.PositiveBigIntegerField(_("task"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_reason = models.CharField(_("override reason"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        indexes = [models.Index(fields=["checkpoint", "at"], name="checkpoints_pass_at")]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.get_decision_display()}"
