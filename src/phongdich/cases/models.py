"""Confirmed cases (F0), the versioned policy that decides which results confirm one, and clusters."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class ConfirmationPolicy(models.Model):
    """Which results confirm a case, from a date on (data, not code; the province adds versions).

    The version in force on a day is the one with the latest ``valid_from`` not after it.
    """

    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"), unique=True)
    rt_pcr_confirms = models.BooleanField(_("a positive RT-PCR confirms a case"), default=True)
    # Null: a positive rapid antigen test by staff never confirms on its own.
    antigen_confirms_from = models.DateField(
        _("a positive rapid antigen test by staff confirms a case from"), null=True, blank=True
    )
    self_test_confirms = models.BooleanField(_("a positive self-test confirms a case"), default=False)
    # Symptoms may start after sampling (an asymptomatic person tested early); beyond this the dates are wrong.
    max_onset_after_sampling_days = models.PositiveSmallIntegerField(
        _("greatest number of days onset may follow sampling"), default=14
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("confirmation policy")
        verbose_name_plural = _("confirmation policies")

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from})"

    @classmethod
    def in_force(cls, on: dt.date) -> ConfirmationPolicy | None:
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()

    def confirms(self, test_type: str, on: dt.date) -> bool:
        """Whether a positive result of this type, of a sample taken on ``on``, confirms a case."""
        if test_type == "rt_pcr":
            return self.rt_pcr_confirms
        if test_type == "antigen":
            return self.antigen_confirms_from is not None and on >= self.antigen_confirms_from
        if test_type == "self_test":
            return self.self_test_confirms
        return False


class ClusterSource(models.TextChoices):
    INVESTIGATOR = "investigator", _("Investigator")
    TRACING = "tracing", _("Contact tracing")


class Cluster(models.Model):
    """An outbreak cluster (ổ dịch): cases linked by tracing or by an investigator."""

    access_resource = "cluster"
    jurisdiction_lookup = "commune"

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="clusters", verbose_name=_("commune")
    )
    source = models.CharField(
        _("found by"), max_length=12, choices=ClusterSource.choices, default=ClusterSource.INVESTIGATOR
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    VOIDED = "voided", _("Voided")


class DetectedIn(models.TextChoices):
    COMMUNITY = "community", _("In the community")
    IN_QUARANTINE = "in_quarantine", _("Already in quarantine")
    IN_LOCKDOWN_AREA = "in_lockdown_area", _("In a locked-down area")
    IMPORTED_OTHER_PROVINCE = "imported_other_province", _("Imported from another province")
    IMPORTED_ABROAD = "imported_abroad", _("Imported from abroad")


class ClinicalStatus(models.TextChoices):
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class CarePlace(models.TextChoices):
    HOME = "home", _("At home")
    TREATMENT_FACILITY = "treatment_facility", _("Treatment facility")
    HOSPITAL = "hospital", _("Hospital")


class Outcome(models.TextChoices):
    NONE = "none", _("Not yet")
    RECOVERED = "recovered", _("Recovered")
    DIED = "died", _("Died")


class CaseNumberCounter(models.Model):
    """The last case number given in a province; locked row by row so numbers stay unique and gapless."""

    province = models.OneToOneField("geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.province_id}: {self.last_number}"


class Case(models.Model):
    """One confirmed case (F0). Belongs to the commune responsible for it (the person's home commune)."""

    access_resource = "case"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    # "QNI-000123": the province's prefix and its own sequence.
    number = models.CharField(_("case number"), max_length=20, unique=True)
    province = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField(_("sequence in the province"))
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    status = models.CharField(_("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    onset_date = models.DateField(_("onset of symptoms"), null=True, blank=True)
    sampled_on = models.DateField(_("sampled on"))
    detected_in = models.CharField(
        _("where detected"), max_length=24, choices=DetectedIn.choices, default=DetectedIn.COMMUNITY
    )
    clinical_status = models.CharField(
        _("clinical status"), max_length=12, choices=ClinicalStatus.choices, default=ClinicalStatus.ASYMPTOMATIC
    )
    care_place = models.CharField(_("place of care"), max_length=20, choices=CarePlace.choices, default=CarePlace.HOME)
    facility_name = models.CharField(_("facility"), max_length=200, blank=True)
    bed = models.CharField(_("bed"), max_length=40, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.NONE)
    outcome_date = models.DateField(_("outcome date"), null=True, blank=True)
    # When the case was isolated: the end of the infectious window contact tracing looks at.
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    source_result = models.ForeignKey(
        "testing.TestResult",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("confirming result"),
    )
    policy = models.ForeignKey(
        ConfirmationPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("confirmation policy"),
    )
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("cluster")
    )
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="cases", verbose_name=_("commune")
    )
    notes = models.TextField(_("notes"), blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            # A person is an active F0 once: a second positive attaches to the case already open.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="active"), name="cases_one_active_case_per_person"
            ),
            models.UniqueConstraint(fields=["province", "sequence"], name="cases_unique_province_sequence"),
        ]
        indexes = [
            models.Index(fields=["commune", "confirmed_at"], name="cases_commune_time"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def infectious_reference_date(self) -> dt.date:
        """Onset when known, otherwise sampling: the infectious period is counted back from it."""
        return self.onset_date or self.sampled_on
