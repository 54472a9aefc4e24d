"""Who read or wrote which personal record, when, and from where.

Events name records by type and id only: the log itself holds no names, ID numbers or phones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    LIST = "list", _("listed or searched")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    MERGE = "merge", _("merged")
    EXPORT = "export", _("exported")
    GENERATE = "generate", _("generated")


class AuditEvent(models.Model):
    access_resource = "audit"

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the trail survives the account's deletion. Not indexed: the log is searched by a
    # part of the name (icontains), which no index serves, and every audited read or write would pay for two
    # (PostgreSQL adds a pattern index to a text column's).
    actor_username = models.CharField(_("account"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=24, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=40)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    # For list and search reads: the ids shown, so "who saw person 42" finds them too.
    # Stored as " 12 40 41 " so one substring lookup finds an id on every database.
    object_ids = models.TextField(_("records shown"), blank=True, default="")
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)  # web, api, cli, job
    request_id = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"
