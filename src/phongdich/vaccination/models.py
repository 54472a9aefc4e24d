"""Vaccination records, the vaccine value set and its full-course rules (both data, seeded by a migration)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phongdich.core.access import RestrictedQuerySet


class VaccineType(models.TextChoices):
    """The EU DCC ``vaccine-prophylaxis`` value set (SNOMED CT / ATC)."""

    MRNA = "1119349007", _("SARS-CoV-2 mRNA vaccine")
    ANTIGEN = "1119305005", _("SARS-CoV-2 antigen vaccine")
    COVID_19 = "J07BX03", _("COVID-19 vaccines (other, e.g. viral vector, inactivated)")


class VaccineProduct(models.Model):
    """One vaccine medicinal product, coded as in the EU DCC ``vaccine-medicinal-product`` value set."""

    code = models.CharField(_("product code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    manufacturer_code = models.CharField(_("manufacturer code"), max_length=40)
    manufacturer_name = models.CharField(_("manufacturer"), max_length=120)
    vaccine_type = models.CharField(_("vaccine type"), max_length=10, choices=VaccineType.choices)
    # Other spellings seen in the national platform's exports ("AstraZeneca", "Pfizer"), lower case.
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vaccine product")
        verbose_name_plural = _("vaccine products")

    def __str__(self) -> str:
        return self.name


class FullCourseRule(models.Model):
    """How many doses make a full primary course of a product, and the shortest gap between doses."""

    product = models.OneToOneField(
        VaccineProduct, on_delete=models.CASCADE, related_name="rule", verbose_name=_("vaccine product")
    )
    doses = models.PositiveSmallIntegerField(_("doses for a full course"))
    min_interval_days = models.PositiveSmallIntegerField(_("minimum days between doses"))

    class Meta:
        verbose_name = _("full-course rule")
        verbose_name_plural = _("full-course rules")

    def __str__(self) -> str:
        return f"{self.product}: {self.doses}"


class Vaccination(models.Model):
    """One dose given to one person. Belongs to the person's home commune."""

    access_resource = "vaccination"
    jurisdiction_lookup = "person__home_commune"
    person_lookup = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vaccinations", verbose_name=_("person")
    )
    dose_number = models.PositiveSmallIntegerField(_("dose number"))
    is_booster = models.BooleanField(_("booster"), default=False)
    # Set when recorded: this dose completes the primary course (the first product's rule). Coverage counts it.
    completes_course = models.BooleanField(_("completes the primary course"), default=False)
    product = models.ForeignKey(
        VaccineProduct, on_delete=models.PROTECT, related_name="vaccinations", verbose_name=_("vaccine")
    )
    lot = models.CharField(_("lot number"), max_length=40, blank=True)
    date = models.DateField(_("date given"))
    site = models.CharField(_("vaccination site"), max_length=200, blank=True)
    vaccinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "dose_number"]
        verbose_name = _("vaccination")
        verbose_name_plural = _("vaccinations")
        constraints = [
            models.UniqueConstraint(fields=["person", "dose_number"], name="vaccination_unique_person_dose"),
            models.CheckConstraint(condition=models.Q(dose_number__gte=1), name="vaccination_dose_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} #{self.dose_number}"
