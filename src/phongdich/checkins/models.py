"""Check-ins: who was at which venue, when. Personal data, kept only as long as tracing needs it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class CheckInMethod(models.TextChoices):
    VENUE_QR = "venue_qr", _("Visitor scanned the venue's QR")
    PERSONAL_QR = "personal_qr", _("Staff scanned the visitor's personal QR")
    TYPED_ID = "typed_id", _("Staff typed the visitor's citizen ID")
    DEVICE = "device", _("Uploaded by a scanner device or system")


class CheckIn(models.Model):
    access_resource = "checkin"
    # Tracing works venue by venue: a check-in belongs to the commune of the venue.
    jurisdiction_lookup = "venue__commune"
    person_lookup = "person"
    operator_lookup = "venue__operators"

    # The time is part of the key because PostgreSQL partitions the table by day (a partitioned
    # table's keys must include the partition column). The UUID comes from the device, so a retried
    # upload is recognised.
    pk = models.CompositePrimaryKey("uuid", "checked_in_at")
    uuid = models.UUIDField(default=uuid.uuid4)
    checked_in_at = models.DateTimeField(_("checked in at"))
    # No single-column indexes on venue and person: the (venue, time) and (person, time) indexes below
    # serve those lookups too, and every index slows the inserts. No database-level foreign keys either:
    # each inserted row would queue a check per key, the largest cost of a bulk insert; the services
    # resolve venue and person in the same request, and Django's deletion rules (PROTECT, CASCADE,
    # SET_NULL) still apply to deletes made through the application.
    venue = models.ForeignKey(
        "venues.Venue", on_delete=models.PROTECT, related_name="checkins", db_index=False, db_constraint=False
    )
    # The registry person when known; otherwise the phone and name the visitor gave.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkins",
        db_index=False,
        db_constraint=False,
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checkout_inferred = models.BooleanField(_("check-out inferred"), default=False)
    method = models.CharField(_("how"), max_length=12, choices=CheckInMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            # "Who was at venue V between t1 and t2" and "where was person P between t1 and t2".
            models.Index(fields=["venue", "checked_in_at"], name="checkins_venue_time"),
            # Partial: a visitor is known by the registry person or by a phone, so each row enters one of
            # the two (each index an insert maintains costs about as much as the row itself).
            models.Index(
                fields=["person", "checked_in_at"],
                name="checkins_person_time",
                condition=models.Q(person__isnull=False),
            ),
            models.Index(fields=["phone", "checked_in_at"], name="checkins_phone_time", condition=~models.Q(phone="")),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}@{self.checked_in_at:%Y-%m-%d %H:%M}"
