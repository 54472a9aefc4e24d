"""Lockdown zones (khoanh vùng, phong tỏa): areas whose residents, and the cases found among them, do not count
as "community" for the epidemic levels.

A zone is one or more communes picked whole, and/or an area drawn on the map (a GeoJSON Polygon or
MultiPolygon). People have no coordinates, only a home commune, so a drawn area covers the communes whose
representative point (``AdministrativeUnit.latitude/longitude``) lies inside it; ``covered`` keeps the union of
the picked communes and those, computed when the zone is saved, so "does this person live in an active zone"
is one indexed query.

Who may see what (``core.access``): a zone belongs to its ``jurisdiction``, the smallest unit holding every
covered commune (a commune, a district or the province). Officers of a covered commune also see the zone
(``services.visible_zones``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class LockdownZone(models.Model):
    access_resource = "lockdown_zone"
    jurisdiction_lookup = "jurisdiction"

    name = models.CharField(_("name"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # The communes picked whole.
    units = models.ManyToManyField(
        "geo.AdministrativeUnit", related_name="lockdown_zones", blank=True, verbose_name=_("communes")
    )
    # The drawn area (GeoJSON geometry, lon/lat), if any.
    area = models.JSONField(_("drawn area (GeoJSON)"), null=True, blank=True)
    # Picked communes plus the communes whose point lies in the drawn area (derived, kept by services).
    covered = models.ManyToManyField(
        "geo.AdministrativeUnit", related_name="covering_lockdown_zones", blank=True, editable=False
    )
    jurisdiction = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("jurisdiction")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("lockdown zone")
        verbose_name_plural = _("lockdown zones")
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="lockdown_zone_period")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="lockdown_zone_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active(self, at: dt.datetime | None = None) -> bool:
        moment = at or timezone.now()
        return self.starts_at <= moment and (self.ends_at is None or self.ends_at > moment)
