"""One clean registry of persons, their households, and the history of merged duplicates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Household(models.Model):
    access_resource = "person"
    jurisdiction_lookup = "commune"
    person_lookup = "members"

    code = models.CharField(_("household code"), max_length=24, unique=True)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="households", verbose_name=_("commune")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code


class Person(models.Model):
    access_resource = "person"
    jurisdiction_lookup = "home_commune"
    person_lookup = "pk"

    full_name = models.CharField(_("full name"), max_length=150)
    # Lower case without diacritics ("nguyen thi dao"): what search and duplicate detection compare.
    # Indexed by people_name_dob below, whose first column it is.
    name_key = models.CharField(max_length=150, editable=False)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    # NULL, not "", when unknown: the unique constraint then ignores persons without one.
    citizen_id = models.CharField(_("citizen ID (CCCD/CMND)"), max_length=12, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    home_commune = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("home commune"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("household"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # Declared here rather than with unique=/db_index= so PostgreSQL gets no extra LIKE-pattern
        # copies: citizen IDs and phones are matched exactly. Fewer indexes keep bulk loads fast.
        constraints = [models.UniqueConstraint(fields=["citizen_id"], name="people_unique_citizen_id")]
        indexes = [
            models.Index(fields=["name_key", "date_of_birth"], name="people_name_dob"),
            models.Index(fields=["phone"], name="people_phone"),
        ]

    def __str__(self) -> str:
        return self.full_name


class PersonMerge(models.Model):
    """A duplicate folded into a survivor: what it was and which records moved."""

    access_resource = "person"
    jurisdiction_lookup = "survivor__home_commune"
    person_lookup = "survivor"

    survivor = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges")
    merged_person_id = models.BigIntegerField(_("merged record id"))
    # The merged record's fields as they were, so a wrong merge can be undone by hand.
    merged_record = models.JSONField(_("merged record"))
    moved = models.JSONField(_("records moved"), default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_person_id} → {self.survivor_id}"
