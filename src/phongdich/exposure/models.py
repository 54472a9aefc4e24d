"""Exposure Notification (GAEN) server side: verification codes, uploaded keys, export files, phones.

Verification follows Google's exposure-notifications-verification-server: a health official issues a
one-time code for a confirmed case; the phone exchanges it for a short-lived token, then the token and
the HMAC of the exact keys it will upload (``tekmac``) for a signed certificate; the key server accepts
keys only with a certificate bound to them. Codes and tokens are stored as keyed hashes only.

Published keys are anonymous by design: an uploaded key keeps a link to the verification code (and so to
the case) only on the server, so that the Bluetooth matches a *consenting* phone reports can be attributed
to the case for contact tracing (:class:`BluetoothEncounter`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class TestType(models.TextChoices):
    """The verification server's test types; they set the report type of the uploaded keys."""

    CONFIRMED = "confirmed", _("Confirmed by a test")
    LIKELY = "likely", _("Likely (clinical diagnosis)")
    NEGATIVE = "negative", _("Negative (revokes earlier keys)")


# GAEN ReportType values (TemporaryExposureKey.ReportType in export.proto).
REPORT_TYPES = {TestType.CONFIRMED: 1, TestType.LIKELY: 2, TestType.NEGATIVE: 5}


class VerificationCode(models.Model):
    """A one-time code for one case: a short code to read out and a long one sent as a link."""

    access_resource = "exposure_code"
    jurisdiction_lookup = "case__commune"
    person_lookup = "case__person"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="verification_codes", verbose_name=_("case")
    )
    test_type = models.CharField(_("test type"), max_length=10, choices=TestType.choices)
    symptom_onset = models.DateField(_("symptom onset"), null=True, blank=True)
    test_date = models.DateField(_("test date"), null=True, blank=True)
    # HMAC-SHA256 of the codes and of the token under a key derived from SECRET_KEY (hex).
    short_code_hash = models.CharField(max_length=64, unique=True)
    long_code_hash = models.CharField(max_length=64, unique=True)
    short_expires_at = models.DateTimeField(_("short code expires at"))
    long_expires_at = models.DateTimeField(_("long code expires at"))
    claimed_at = models.DateTimeField(_("exchanged at"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    token_used_at = models.DateTimeField(_("certificate issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.uuid}"


class KeyUpload(models.Model):
    """One accepted publish request, keyed by its certificate: a retried upload changes nothing."""

    certificate_hash = models.CharField(max_length=64, unique=True)
    code = models.ForeignKey(VerificationCode, null=True, on_delete=models.SET_NULL, related_name="uploads")
    region = models.CharField(max_length=16)
    key_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("key upload")
        verbose_name_plural = _("key uploads")

    def __str__(self) -> str:
        return f"{self.region}:{self.pk}"


class DiagnosisKeyRecord(models.Model):
    """A temporary exposure key of a diagnosed person, as accepted; report type and onset from the certificate."""

    key_data = models.BinaryField(max_length=16)
    region = models.CharField(max_length=16)
    rolling_start_interval_number = models.PositiveIntegerField()
    rolling_period = models.PositiveSmallIntegerField()
    transmission_risk_level = models.PositiveSmallIntegerField(default=0)
    report_type = models.PositiveSmallIntegerField()
    days_since_onset = models.SmallIntegerField(null=True)
    upload = models.ForeignKey(KeyUpload, on_delete=models.CASCADE, related_name="keys")
    batch = models.ForeignKey("ExportFile", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("diagnosis key")
        verbose_name_plural = _("diagnosis keys")
        constraints = [
            models.UniqueConstraint(fields=["region", "key_data"], name="exposure_unique_key_per_region"),
        ]
        indexes = [models.Index(fields=["region", "batch", "created_at"], name="exposure_key_pending")]

    def __str__(self) -> str:
        return f"{self.region}:{self.rolling_start_interval_number}"


class ExportFile(models.Model):
    """One published export zip (export.bin + export.sig), stored in the database so every node serves it."""

    region = models.CharField(max_length=16)
    name = models.CharField(max_length=120, unique=True)
    batch_num = models.PositiveSmallIntegerField(default=1)
    batch_size = models.PositiveSmallIntegerField(default=1)
    start_timestamp = models.BigIntegerField()
    end_timestamp = models.BigIntegerField()
    key_count = models.PositiveIntegerField()
    padding_count = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["end_timestamp", "batch_num"]
        verbose_name = _("export file")
        verbose_name_plural = _("export files")

    def __str__(self) -> str:
        return self.name


class ExportSigningKey(models.Model):
    """An ECDSA P-256 key signing export files; the private key encrypted as DCC signing keys are."""

    key_id = models.CharField(_("key id"), max_length=50)
    version = models.CharField(_("version"), max_length=20)
    private_key_pem = models.TextField()
    public_key_der_b64 = models.TextField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("export signing key")
        verbose_name_plural = _("export signing keys")
        constraints = [models.UniqueConstraint(fields=["key_id", "version"], name="exposure_unique_key_version")]

    def __str__(self) -> str:
        return f"{self.key_id}-{self.version}"


class RiskSettings(models.Model):
    """The province's risk configuration for the phones (phongdich.exposure.client.risk), as JSON."""

    region = models.CharField(max_length=16, unique=True)
    configuration = models.JSONField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("risk configuration")
        verbose_name_plural = _("risk configurations")

    def __str__(self) -> str:
        return self.region


class AppInstall(models.Model):
    """A phone with the exposure app, registered by its owner, with what they consent to share.

    ``share_encounters``: matches the phone finds are reported to the health authority and feed contact
    tracing. ``keep_alerts``: the alerts are kept for the owner's page. Without consent nothing is stored.
    """

    access_resource = "exposure_app"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    device = models.UUIDField(_("device"), unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="exposure_apps", verbose_name=_("person")
    )
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    share_encounters = models.BooleanField(_("shares Bluetooth contacts with contact tracing"), default=False)
    keep_alerts = models.BooleanField(_("keeps exposure alerts"), default=False)
    # Made by the simulator for a synthetic person (a later run replaces them), not by a phone.
    simulated = models.BooleanField(_("simulated"), default=False)
    installed_at = models.DateTimeField(_("installed at"), default=timezone.now)
    last_active_at = models.DateTimeField(_("last active at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("app install")
        verbose_name_plural = _("app installs")
        indexes = [models.Index(fields=["commune", "last_active_at"], name="exposure_install_activity")]

    def __str__(self) -> str:
        return str(self.device)


class ExposureAlert(models.Model):
    """A day of exposure a phone found, kept (with consent) for its owner's page."""

    access_resource = "exposure_alert"
    jurisdiction_lookup = "install__commune"
    person_lookup = "install__person"

    install = models.ForeignKey(AppInstall, on_delete=models.CASCADE, related_name="alerts")
    exposure_day = models.DateField(_("day of exposure"))
    minutes = models.PositiveIntegerField(_("minutes near a case"))
    score = models.FloatField(_("risk score"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-exposure_day"]
        verbose_name = _("exposure alert")
        verbose_name_plural = _("exposure alerts")
        constraints = [
            models.UniqueConstraint(fields=["install", "exposure_day"], name="exposure_one_alert_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.install_id}:{self.exposure_day}"


class BluetoothEncounter(models.Model):
    """A match a consenting phone reported, attributed (server-side) to the case whose key it matched."""

    access_resource = "exposure_encounter"
    jurisdiction_lookup = "install__commune"
    person_lookup = "install__person"

    install = models.ForeignKey(AppInstall, on_delete=models.CASCADE, related_name="encounters")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="bluetooth_encounters")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"))
    minutes = models.PositiveIntegerField(_("minutes"))
    attenuation_db = models.PositiveSmallIntegerField(_("typical attenuation (dB)"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Bluetooth encounter")
        verbose_name_plural = _("Bluetooth encounters")
        constraints = [
            models.UniqueConstraint(fields=["install", "case", "started_at"], name="exposure_unique_encounter"),
        ]

    def __str__(self) -> str:
        return f"{self.install_id}~{self.case_id}"


class SimulationReport(models.Model):
    """The figures of a simulator run (aggregates only): what the adoption screen shows as the app's effect."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    adoption = models.FloatField(_("adoption"))
    figures = models.JSONField(_("figures"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("simulation report")
        verbose_name_plural = _("simulation reports")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.adoption:.0%})"
