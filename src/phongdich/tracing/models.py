"""Contact tracing: the policy (data), each case's F1/F2 contacts with their evidence, and the runs that made them.

Contacts are derived data: a run of the engine (``tracing.engine``) computes the whole list of a case
again and ``tracing.services`` reconciles it with what is stored, so a re-run changes nothing and a
correction removes what is no longer justified. What officers record on a contact (its follow-up) is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


def default_long_stay_kinds() -> list[str]:
    """Venue kinds where a visit may last a working day or a night (the others are errands and meals)."""
    return ["office", "factory", "school", "hotel", "clinic", "market", "tourist_site", "event"]


class TracingPolicy(models.Model):
    """One version of the province's tracing rules. The latest version in force applies to new runs.

    Defaults (data migration 0002) follow the Ministry of Health's 2021 guidance and PC-Covid's rule;
    the F2 bounds are this platform's, chosen so a market outbreak yields lists commune officers can call.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    valid_from = models.DateTimeField(_("in force from"), default=timezone.now)
    # Infectious period: from N days before onset (or sampling, without an onset date) to isolation
    # (or confirmation, when the case was not isolated earlier).
    days_before_onset = models.PositiveSmallIntegerField(_("infectious from (days before onset or sampling)"))
    # A scan without a recorded check-out stands for presence from `tolerance` before to `tolerance` after
    # the scan (or to the inferred check-out when that is later).
    tolerance_minutes = models.PositiveSmallIntegerField(_("tolerance around a scan without check-out (minutes)"))
    # Stays are cut at these lengths: they bound how far back the engine looks for a visit still going on.
    max_stay_minutes = models.PositiveIntegerField(_("longest stay considered (minutes)"))
    long_stay_kinds = models.JSONField(
        _("venue kinds where stays are long (cut at the longest stay)"), default=default_long_stay_kinds, blank=True
    )
    short_stay_minutes = models.PositiveIntegerField(
        _("longest stay considered at other venues (minutes)"), default=240
    )
    include_household = models.BooleanField(_("household members are F1"), default=True)
    # F2 bounds. Only "close" F1s (household, named as close, or co-present at least `close_minutes`)
    # have their own contacts traced; each F2 must itself be close to the F1.
    close_minutes = models.PositiveSmallIntegerField(_("co-presence that makes a close contact (minutes)"))
    f2_window_hours = models.PositiveSmallIntegerField(_("F2 traced for (hours after the F1's first exposure)"))
    max_f1_for_f2 = models.PositiveIntegerField(_("F1s whose contacts are traced, per case"))
    max_f2_per_f1 = models.PositiveIntegerField(_("F2s per F1"))
    max_f2_per_case = models.PositiveIntegerField(_("F2s per case"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("tracing policy")
        verbose_name_plural = _("tracing policies")

    def __str__(self) -> str:
        return f"v{self.version}"


class Source(models.TextChoices):
    """Where an exposure comes from. Each is a source in the engine's registry."""

    VENUE = "venue", _("Same venue (check-ins)")
    HOUSEHOLD = "household", _("Same household")
    NAMED = "named", _("Named by an investigator")
    BLUETOOTH = "bluetooth", _("Bluetooth proximity")


class Setting(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORK = "work", _("Work")
    SCHOOL = "school", _("School")
    SOCIAL = "social", _("Family or social gathering")
    TRANSPORT = "transport", _("Transport")
    HEALTHCARE = "healthcare", _("Healthcare")
    OTHER = "other", _("Other")


class Closeness(models.TextChoices):
    CLOSE = "close", _("Close (face to face, within 2 m, or 15 minutes or more)")
    CASUAL = "casual", _("Casual")


class FollowUp(models.TextChoices):
    TO_CALL = "to_call", _("To call")
    REACHED = "reached", _("Reached")
    IN_FOLLOW_UP = "in_follow_up", _("In follow-up")
    UNREACHABLE = "unreachable", _("Unreachable")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class NamedContact(models.Model):
    """A contact an investigator learnt of by interviewing the case: a source of exposures, kept as entered."""

    access_resource = "contact"
    jurisdiction_lookup = "case__commune"
    person_lookup = "person"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="named_contacts")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    setting = models.CharField(_("setting"), max_length=12, choices=Setting.choices)
    date = models.DateField(_("date of contact"))
    closeness = models.CharField(_("closeness"), max_length=8, choices=Closeness.choices, default=Closeness.CLOSE)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("named contact")
        verbose_name_plural = _("named contacts")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.person_id or self.phone}"


class Contact(models.Model):
    """An F1 or F2 of a case: whom to call, why (the evidence rows), and how the follow-up stands.

    Belongs to the commune the contact lives in (their registry home commune), or, for a visitor known only
    by a phone number, the commune of the venue where the exposure happened: that commune's officers call.
    """

    access_resource = "contact"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    # Who was exposed when the registry does not know them: the phone and name given at the door.
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    degree = models.PositiveSmallIntegerField(_("degree"), choices=[(1, "F1"), (2, "F2")])
    # For an F2: the F1 through whom they were exposed.
    via = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="f2s", verbose_name=_("through")
    )
    close = models.BooleanField(_("close contact"), default=False)
    first_exposure = models.DateTimeField(_("first exposure"))
    last_exposure = models.DateTimeField(_("last exposure"))
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    sources = models.CharField(_("sources"), max_length=60)  # "venue,household": for lists without joins
    status = models.CharField(_("follow-up"), max_length=14, choices=FollowUp.choices, default=FollowUp.TO_CALL)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    listed_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["degree", "first_exposure", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person"], condition=models.Q(person__isnull=False), name="tracing_contact_person"
            ),
            models.UniqueConstraint(
                fields=["case", "phone"], condition=models.Q(person__isnull=True), name="tracing_contact_phone"
            ),
            models.CheckConstraint(condition=~models.Q(person__isnull=True, phone=""), name="tracing_contact_who"),
        ]
        indexes = [
            # The commune's task list: its contacts to call, newest first.
            models.Index(fields=["commune", "status", "first_exposure"], name="tracing_contact_task"),
        ]

    def __str__(self) -> str:
        return f"F{self.degree} {self.person_id or self.phone} ({self.case_id})"

    @property
    def source_list(self) -> list[str]:
        return [s for s in self.sources.split(",") if s]


class ContactEvidence(models.Model):
    """One exposure that justifies a contact: which source, where, when, for how long."""

    access_resource = "contact"
    jurisdiction_lookup = "contact__commune"
    person_lookup = "contact__person"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="evidence")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    venue = models.ForeignKey(
        "venues.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("venue")
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"))
    overlap_minutes = models.PositiveIntegerField(_("overlap (minutes)"), null=True, blank=True)
    # The check-ins behind a venue exposure (key: uuid + time): the contact's and the index person's.
    # A removed check-in is found by these (tracing.services.reconcile_removed_checkins).
    checkin_uuid = models.UUIDField(null=True, blank=True)
    checkin_at = models.DateTimeField(null=True, blank=True)
    index_checkin_uuid = models.UUIDField(null=True, blank=True)
    index_checkin_at = models.DateTimeField(null=True, blank=True)
    named_contact = models.ForeignKey(NamedContact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=["checkin_at"], name="tracing_evidence_checkin")]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class TracingRun(models.Model):
    """One run of the engine for a case: why, when, with which policy, and what it found (counts only)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tracing_runs")
    policy = models.ForeignKey(TracingPolicy, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(_("trigger"), max_length=20)
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    f1_count = models.PositiveIntegerField(default=0)
    f2_count = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("tracing run")
        verbose_name_plural = _("tracing runs")

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_at:%Y-%m-%d %H:%M}"
