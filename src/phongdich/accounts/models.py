"""Accounts: one role each, the units they work in, and API tokens stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.accounts.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from phongdich.geo.models import AdministrativeUnit


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.CITIZEN)
    units = models.ManyToManyField(
        "geo.AdministrativeUnit",
        blank=True,
        related_name="staff",
        verbose_name=_("units"),
        help_text=_("The account sees the records of these units and of every unit below them."),
    )
    person = models.OneToOneField(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        verbose_name=_("person"),
        help_text=_("For citizens: their own record in the registry."),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def unit_paths(self) -> list[str]:
        """Paths of the assigned units, cached for the life of this object (one request)."""
        cached: list[str] | None = getattr(self, "_unit_paths_cache", None)
        if cached is None:
            cached = list(self.units.values_list("path", flat=True))
            self._unit_paths_cache = cached
        return cached

    def assigned_units(self) -> list[AdministrativeUnit]:
        return list(self.units.all())


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token for the API, for a person or for one device. Only its SHA-256 is stored."""

    class Kind(models.TextChoices):
        USER = "user", _("Personal")
        DEVICE = "device", _("Device")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.USER)
    # The start of the token, shown so its owner can tell tokens apart; not enough to use it.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return "pd_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
