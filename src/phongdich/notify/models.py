"""Messages to people and officers: one row per (event, recipient, channel), with its delivery state.

The row is the outbox: it is written in the transaction of the event that causes it, and a background job
delivers it after commit, retrying with back-off. Address and text are personal data: only officers of the
recipient's unit see them, and logs carry message ids only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    GIVEN_UP = "given_up", _("Given up")
    NO_ADDRESS = "no_address", _("No address")


class Message(models.Model):
    access_resource = "message"
    jurisdiction_lookup = "commune"
    person_lookup = "person"

    # What caused the message ("quarantine.order_issued:12"): with the recipient and channel, it is sent once.
    event_key = models.CharField(_("event"), max_length=200)
    template = models.CharField(_("template"), max_length=60)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=16)
    address = models.CharField(_("address"), max_length=255, blank=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("person"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("account"),
    )
    # "person:12", "user:3" or "address:<digest>": what the uniqueness of a message is about.
    recipient_key = models.CharField(max_length=80, editable=False)
    # The unit whose officers follow the message (the recipient's commune, usually).
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # The reason of the last failure, as the channel reports it (no address, no text).
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient_key", "channel"], name="notify_message_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_message_due")]

    def __str__(self) -> str:
        return f"{self.template} #{self.pk}"

    @property
    def may_retry(self) -> bool:
        return self.status in (MessageStatus.FAILED, MessageStatus.GIVEN_UP)
