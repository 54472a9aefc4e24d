"""The province as a tree of administrative units: province › district › commune."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The age bands later features count people in (vaccination coverage, levels).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0_11", 0, 11),
    ("12_17", 12, 17),
    ("18_49", 18, 49),
    ("50_64", 50, 64),
    ("65_plus", 65, 150),
)


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class Kind(models.TextChoices):
    PROVINCE = "tinh", _("Province (tỉnh)")
    CENTRAL_CITY = "thanh_pho_tw", _("Centrally run city")
    CITY = "thanh_pho", _("Provincial city (thành phố)")
    TOWN = "thi_xa", _("District-level town (thị xã)")
    RURAL_DISTRICT = "huyen", _("Rural district (huyện)")
    URBAN_DISTRICT = "quan", _("Urban district (quận)")
    WARD = "phuong", _("Ward (phường)")
    COMMUNE = "xa", _("Commune (xã)")
    TOWNSHIP = "thi_tran", _("Township (thị trấn)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")


class AdministrativeUnitQuerySet(models.QuerySet["AdministrativeUnit"]):
    def communes(self) -> AdministrativeUnitQuerySet:
        return self.filter(level=Level.COMMUNE)

    def districts(self) -> AdministrativeUnitQuerySet:
        return self.filter(level=Level.DISTRICT)

    def provinces(self) -> AdministrativeUnitQuerySet:
        return self.filter(level=Level.PROVINCE)

    def within(self, unit: AdministrativeUnit) -> AdministrativeUnitQuerySet:
        """The unit itself and every unit below it."""
        return self.filter(path__startswith=unit.path)


class AdministrativeUnit(models.Model):
    """One unit, with its official code from the national statistics office catalogue."""

    code = models.CharField(_("official code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    # Materialised path of codes ("22/193/06649/"): "this unit and below" is one indexed prefix match.
    path = models.CharField(max_length=64, db_index=True, editable=False)

    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    population_0_11 = models.PositiveIntegerField(_("aged 0–11"), null=True, blank=True)
    population_12_17 = models.PositiveIntegerField(_("aged 12–17"), null=True, blank=True)
    population_18_49 = models.PositiveIntegerField(_("aged 18–49"), null=True, blank=True)
    population_50_64 = models.PositiveIntegerField(_("aged 50–64"), null=True, blank=True)
    population_65_plus = models.PositiveIntegerField(_("aged 65 and over"), null=True, blank=True)
    age_bands_estimated = models.BooleanField(
        _("age bands estimated"),
        default=False,
        help_text=_("Bands estimated from the national age structure because only the total is known."),
    )

    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True) | models.Q(parent__isnull=False),
                name="geo_unit_parent_unless_province",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age_bands(self) -> dict[str, int | None]:
        return {key: getattr(self, f"population_{key}") for key, _low, _high in AGE_BANDS}

    def ancestors(self) -> list[AdministrativeUnit]:
        """Province first, then district: the units above this one."""
        codes = [code for code in self.path.strip("/").split("/")[:-1] if code]
        by_code = {unit.code: unit for unit in AdministrativeUnit.objects.filter(code__in=codes)}
        return [by_code[code] for code in codes if code in by_code]
