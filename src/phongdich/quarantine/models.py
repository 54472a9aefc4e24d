"""Quarantine: the versioned policy, facilities with rooms and beds, orders and their history, daily health
checks, the test schedule, release certificates and alerts.

Who may see what (``core.access``): facilities, admissions and the checks and alerts of people in a facility
belong to the facility's commune; orders belong to the commune of the person's residence; a health check or an
alert belongs to the commune where the person is followed (the facility's while admitted, else the order's or
the home-care case's).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet

# --- Policy ---------------------------------------------------------------------------------------------------


class OrderReason(models.TextChoices):
    F1_OF_CASE = "f1_of_case", _("Close contact (F1) of a case")
    ARRIVAL_FROM_LEVEL4 = "arrival_from_level4", _("Arrival from a level-4 area")
    ENTRY_FROM_ABROAD = "entry_from_abroad", _("Entry from abroad")
    OTHER = "other", _("Other")


class Protection(models.TextChoices):
    """What the policy asks of a person: fully vaccinated or recovered, or neither."""

    PROTECTED = "protected", _("Fully vaccinated or recovered")
    NOT_PROTECTED = "not_protected", _("Not fully vaccinated")


class OrderKind(models.TextChoices):
    FACILITY = "facility", _("Facility quarantine")
    HOME = "home", _("Home quarantine")
    SELF_MONITORING = "self_monitoring", _("Self-monitoring")


class QuarantinePolicy(models.Model):
    """One version of the quarantine rules, in force from ``valid_from`` (data, not code).

    The version in force on a day is the one with the latest ``valid_from`` not after it. Once an order used a
    version it is frozen: a change becomes a new version.
    """

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), unique=True)
    valid_from = models.DateField(_("in force from"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-valid_from", "-version"]
        verbose_name = _("quarantine policy")
        verbose_name_plural = _("quarantine policies")

    def __str__(self) -> str:
        return f"{self.name} (v{self.version}, {self.valid_from})"


class PolicyRule(models.Model):
    """For one reason and protection status: the kind of quarantine, its days and the testing days."""

    policy = models.ForeignKey(QuarantinePolicy, on_delete=models.CASCADE, related_name="rules")
    reason = models.CharField(_("reason"), max_length=24, choices=OrderReason.choices)
    protection = models.CharField(_("vaccination status"), max_length=16, choices=Protection.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=OrderKind.choices)
    days = models.PositiveSmallIntegerField(_("days of quarantine"))
    self_monitoring_days = models.PositiveSmallIntegerField(_("days of self-monitoring after"), default=0)
    # Day numbers counted from the first day of quarantine (day 1), e.g. [1, 7].
    test_days = models.JSONField(_("testing days"), default=list, blank=True)
    test_type = models.CharField(_("test type"), max_length=10, default="rt_pcr")

    class Meta:
        ordering = ["policy", "reason", "protection"]
        verbose_name = _("policy rule")
        verbose_name_plural = _("policy rules")
        constraints = [
            models.UniqueConstraint(fields=["policy", "reason", "protection"], name="quarantine_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reason}/{self.protection}: {self.kind} {self.days}+{self.self_monitoring_days}"


# --- Facilities -----------------------------------------------------------------------------------------------


class FacilityKind(models.TextChoices):
    CENTRALIZED = "centralized", _("Centralized quarantine facility")
    HOTEL = "hotel", _("Hotel (paid quarantine)")
    OTHER = "other", _("Other")


class FacilityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUSPENDED = "suspended", _("Not admitting")
    CLOSED = "closed", _("Closed")


class QuarantineFacility(models.Model):
    """A centralized facility (khu cách ly tập trung) or a hotel used for paid quarantine."""

    access_resource = "quarantine_facility"
    jurisdiction_lookup = "commune"

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=FacilityKind.choices, default=FacilityKind.CENTRALIZED)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="quarantine_facilities"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.OPEN)
    price_per_day = models.DecimalField(
        _("price per day (VND)"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("quarantine facility")
        verbose_name_plural = _("quarantine facilities")

    def __str__(self) -> str:
        return self.name


class FacilityStaff(models.Model):
    """An account working at a facility (besides quarantine staff of the facility's commune)."""

    facility = models.ForeignKey(QuarantineFacility, on_delete=models.CASCADE, related_name="staff_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("facility staff member")
        verbose_name_plural = _("facility staff")
        constraints = [models.UniqueConstraint(fields=["facility", "user"], name="quarantine_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.facility_id}"


class FacilityRoom(models.Model):
    facility = models.ForeignKey(QuarantineFacility, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("room"), max_length=40)
    floor = models.CharField(_("floor"), max_length=20, blank=True)

    class Meta:
        ordering = ["facility", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="quarantine_room_unique")]

    def __str__(self) -> str:
        return self.name


class FacilityBed(models.Model):
    # The facility is repeated from the room so occupancy and capacity aggregate without a join.
    facility = models.ForeignKey(QuarantineFacility, on_delete=models.CASCADE, related_name="beds")
    room = models.ForeignKey(FacilityRoom, on_delete=models.CASCADE, related_name="beds")
    label = models.CharField(_("bed"), max_length=20)
    in_service = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["room__name", "label"]
        verbose_name = _("bed")
        verbose_name_plural = _("beds")
        constraints = [models.UniqueConstraint(fields=["room", "label"], name="quarantine_bed_unique")]

    def __str__(self) -> str:
        return f"{self.room.name}-{self.label}"


# --- Orders ---------------------------------------------------------------------------------------------------


class OrderStatus(models.TextChoices):
    ACTIVE = "active", _("In quarantine")
    RELEASED = "released", _("Released")
    ENDED_POSITIVE = "ended_positive", _("Ended: tested positive")
    ENDED_EARLY = "ended_early", _("Ended early")
    CANCELLED = "cancelled", _("Cancelled")


class QuarantineOrder(models.Model):
    """A quarantine order (quyết định cách ly) for one person, issued by the commune of their residence."""

    access_resource = "quarantine_order"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    number = models.CharField(_("order number"), max_length=32, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="quarantine_orders")
    commune = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=24, choices=OrderReason.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="quarantine_orders"
    )
    contact = models.ForeignKey("tracing.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    protection = models.CharField(_("vaccination status"), max_length=16, choices=Protection.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=OrderKind.choices)
    facility = models.ForeignKey(
        QuarantineFacility, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    place = models.CharField(_("place of quarantine"), max_length=255, blank=True)
    start = models.DateField(_("start"))
    planned_end = models.DateField(_("planned end"))
    self_monitoring_end = models.DateField(_("end of self-monitoring"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.ACTIVE)
    policy = models.ForeignKey(QuarantinePolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(PolicyRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("quarantine order")
        verbose_name_plural = _("quarantine orders")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="active"), name="quarantine_one_active_order"
            ),
            models.CheckConstraint(condition=models.Q(planned_end__gte=models.F("start")), name="quarantine_end_after"),
        ]
        indexes = [
            models.Index(fields=["commune", "status", "start"], name="quarantine_order_list"),
            models.Index(fields=["status", "planned_end"], name="quarantine_order_due"),
        ]

    def __str__(self) -> str:
        return self.number

    def day_number(self, day: dt.date) -> int:
        """Day 1 is the first day of quarantine."""
        return (day - self.start).days + 1


class OrderEventKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    EXTENDED = "extended", _("Extended")
    SHORTENED = "shortened", _("Shortened")
    CHANGED = "changed", _("Changed")
    TRANSFERRED = "transferred", _("Transferred")
    ADMITTED = "admitted", _("Admitted")
    DISCHARGED = "discharged", _("Discharged")
    DELIVERED = "delivered", _("Delivered")
    ENDED_EARLY = "ended_early", _("Ended early")
    ENDED_POSITIVE = "ended_positive", _("Ended: tested positive")
    CANCELLED = "cancelled", _("Cancelled")
    RELEASED = "released", _("Released")


class OrderEvent(models.Model):
    """The order's history: who did what, when and why; ``detail`` holds dates and ids, not personal values."""

    access_resource = "quarantine_order"
    jurisdiction_lookup = "order__commune"
    person_lookup = "order__person"

    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=16, choices=OrderEventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", _("Handed over in person")
    MESSAGE = "message", _("Sent by message")
    REFUSED = "refused", _("Refused")


class OrderDelivery(models.Model):
    access_resource = "quarantine_order"
    jurisdiction_lookup = "order__commune"
    person_lookup = "order__person"

    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="deliveries")
    method = models.CharField(_("how"), max_length=10, choices=DeliveryMethod.choices)
    delivered_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["delivered_at", "id"]
        verbose_name = _("order delivery")
        verbose_name_plural = _("order deliveries")

    def __str__(self) -> str:
        return f"{self.order_id} {self.method}"


class FacilityAdmission(models.Model):
    """A stay in one bed: open until discharged (a transfer closes it and opens the next)."""

    access_resource = "quarantine_admission"
    jurisdiction_lookup = "facility__commune"
    person_lookup = "person"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(QuarantineOrder, on_delete=models.PROTECT, related_name="admissions")
    facility = models.ForeignKey(QuarantineFacility, on_delete=models.PROTECT, related_name="admissions")
    bed = models.ForeignKey(FacilityBed, on_delete=models.PROTECT, related_name="admissions")
    admitted_at = models.DateTimeField(_("admitted at"))
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discharge_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-admitted_at", "-id"]
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        constraints = [
            models.UniqueConstraint(
                fields=["bed"], condition=models.Q(discharged_at__isnull=True), name="quarantine_bed_one_occupant"
            ),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(discharged_at__isnull=True), name="quarantine_person_one_bed"
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "admitted_at"], name="quarantine_adm_in"),
            models.Index(fields=["facility", "discharged_at"], name="quarantine_adm_out"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.bed_id}"


# --- Health checks, tests, alerts, release --------------------------------------------------------------------


class HealthCheck(models.Model):
    """One daily health check (theo dõi sức khỏe hằng ngày) of a person in quarantine or an F0 at home."""

    access_resource = "health_check"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        QuarantineOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="health_checks"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(
        QuarantineFacility, null=True, blank=True, on_delete=models.SET_NULL, related_name="health_checks"
    )
    taken_at = models.DateTimeField(_("taken at"))
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO₂ (%)"), null=True, blank=True)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    breathing_difficulty = models.BooleanField(_("difficulty breathing"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    danger_signs = models.JSONField(_("danger signs"), default=list, blank=True)
    self_reported = models.BooleanField(_("reported by the person"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A device's own id for the check: a retried upload stores nothing twice.
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at", "-id"]
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        indexes = [
            models.Index(fields=["person", "taken_at"], name="quarantine_check_person"),
            models.Index(fields=["commune", "taken_at"], name="quarantine_check_commune"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.taken_at:%Y-%m-%d %H:%M}"


class ScheduledTestStatus(models.TextChoices):
    DUE = "due", _("Due")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    CANCELLED = "cancelled", _("Cancelled")


class ScheduledTest(models.Model):
    access_resource = "quarantine_order"
    jurisdiction_lookup = "order__commune"
    person_lookup = "order__person"

    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="scheduled_tests")
    day_number = models.PositiveSmallIntegerField(_("day"))
    due_on = models.DateField(_("due on"))
    test_type = models.CharField(_("test type"), max_length=10, default="rt_pcr")
    status = models.CharField(
        _("status"), max_length=10, choices=ScheduledTestStatus.choices, default=ScheduledTestStatus.DUE
    )
    result = models.ForeignKey("testing.TestResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sampled_on = models.DateField(_("sampled on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "due_on"]
        verbose_name = _("scheduled test")
        verbose_name_plural = _("scheduled tests")
        constraints = [models.UniqueConstraint(fields=["order", "day_number"], name="quarantine_test_day_unique")]

    def __str__(self) -> str:
        return f"{self.order_id} day {self.day_number}"


class ReleaseCertificate(models.Model):
    """The release certificate (giấy xác nhận hoàn thành cách ly); its PDF is rendered on request."""

    access_resource = "quarantine_order"
    jurisdiction_lookup = "order__commune"
    person_lookup = "order__person"

    order = models.OneToOneField(QuarantineOrder, on_delete=models.PROTECT, related_name="release_certificate")
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # A keyed digest of the person (for the QR), never their identity.
    person_digest = models.CharField(max_length=64)
    token = models.TextField(_("verification token"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("release certificate")
        verbose_name_plural = _("release certificates")

    def __str__(self) -> str:
        return self.number


class AlertKind(models.TextChoices):
    DANGER_SIGN = "danger_sign", _("Danger sign")
    MISSED_CHECK = "missed_check", _("Missed health check")


class QuarantineAlert(models.Model):
    access_resource = "quarantine_alert"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=AlertKind.choices)
    commune = models.ForeignKey("geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(QuarantineOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    facility = models.ForeignKey(
        QuarantineFacility, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    health_check = models.ForeignKey(
        HealthCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    day = models.DateField(_("day"))
    signs = models.JSONField(_("signs"), default=list, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["resolved_at", "-raised_at", "-id"]
        verbose_name = _("quarantine alert")
        verbose_name_plural = _("quarantine alerts")
        constraints = [
            # The missed-check job may run many times a day: one alert per person and day.
            models.UniqueConstraint(
                fields=["person", "day"], condition=models.Q(kind="missed_check"), name="quarantine_missed_once"
            ),
        ]
        indexes = [models.Index(fields=["commune", "raised_at"], name="quarantine_alert_list")]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.day}"
