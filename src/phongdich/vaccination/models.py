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


# --- Sites, sessions, invitation lists, registrations (issue 6, point 2) ------------------------------


class SiteKind(models.TextChoices):
    FIXED = "fixed", _("Fixed site")
    MOBILE = "mobile", _("Mobile team")


class VaccinationSite(models.Model):
    """A place (or mobile team) that holds vaccination sessions. Managed by the commune it stands in."""

    access_resource = "vaccination_site"
    jurisdiction_lookup = "commune"

    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="vaccination_sites",
        verbose_name=_("commune"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=SiteKind.choices, default=SiteKind.FIXED)
    capacity_per_session = models.PositiveIntegerField(_("people per session"))
    # The accounts that vaccinate here; what they may see is still decided by their units (jurisdiction).
    vaccinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="vaccination_sites", verbose_name=_("vaccinators")
    )
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("vaccination site")
        verbose_name_plural = _("vaccination sites")

    def __str__(self) -> str:
        return self.name


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class VaccinationSession(models.Model):
    """One session day (or half-day) at a site: who may come is decided by registrations, up to capacity."""

    access_resource = "vaccination_site"
    jurisdiction_lookup = "site__commune"

    site = models.ForeignKey(
        VaccinationSite, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("vaccination site")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    products = models.ManyToManyField(VaccineProduct, blank=True, related_name="+", verbose_name=_("vaccines offered"))
    capacity = models.PositiveIntegerField(_("capacity"))
    status = models.CharField(_("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "id"]
        verbose_name = _("vaccination session")
        verbose_name_plural = _("vaccination sessions")
        indexes = [models.Index(fields=["site", "date"], name="vaccination_session_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="vaccination_session_times_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.date:%d/%m/%Y} {self.start_time:%H:%M}"


class InvitationList(models.Model):
    """Who is invited, by criteria kept with the list (data, so the list can be explained and rebuilt)."""

    access_resource = "vaccination_invitation"
    jurisdiction_lookup = "unit"

    name = models.CharField(_("name"), max_length=200)
    # The area the criteria apply to: a commune, a district or the province.
    unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    # {"min_age": 12, "max_age": 17, "as_of": "2021-10-01", "next_dose": 2, "due_by": "2021-10-07", ...}
    criteria = models.JSONField(_("criteria"), default=dict)
    invitee_count = models.PositiveIntegerField(_("invitees"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation list")
        verbose_name_plural = _("invitation lists")

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One person on an invitation list, invited for their next dose."""

    access_resource = "vaccination_invitation"
    jurisdiction_lookup = "person__home_commune"
    person_lookup = "person"

    invitation_list = models.ForeignKey(
        InvitationList, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("invitation list")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vaccination_invitations", verbose_name=_("person")
    )
    dose_number = models.PositiveSmallIntegerField(_("dose number"))
    # When the dose is due by the interval rules (None: no earlier dose, due now).
    due_date = models.DateField(_("due"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["invitation_list_id", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["invitation_list", "person"], name="vaccination_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_list_id}: {self.person_id}"


class RegistrationSource(models.TextChoices):
    INVITATION = "invitation", _("Assigned from an invitation list")
    OFFICER = "officer", _("Registered by an officer")
    CITIZEN = "citizen", _("Registered by the citizen")
    WALK_IN = "walk_in", _("Walk-in")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ARRIVED = "arrived", _("Arrived")
    VACCINATED = "vaccinated", _("Vaccinated")
    CANCELLED = "cancelled", _("Cancelled")


# The statuses that take a place in the session.
ACTIVE_REGISTRATION = (RegistrationStatus.REGISTERED, RegistrationStatus.ARRIVED, RegistrationStatus.VACCINATED)


class Registration(models.Model):
    """A person's place in a session. Belongs to the commune of the session's site (where it is worked on)."""

    access_resource = "vaccination_registration"
    jurisdiction_lookup = "session__site__commune"
    person_lookup = "person"

    session = models.ForeignKey(
        VaccinationSession, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("session")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vaccination_registrations", verbose_name=_("person")
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    source = models.CharField(_("how registered"), max_length=12, choices=RegistrationSource.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vaccination = models.OneToOneField(
        Vaccination, null=True, blank=True, on_delete=models.SET_NULL, related_name="registration"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["session_id", "registered_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # No double registration for one session (a cancelled place may be taken again).
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=~models.Q(status="cancelled"),
                name="vaccination_registration_once",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="vaccination_reg_person")]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.person_id}"


class CoverageEntry(models.Model):
    """One vaccinated person as the coverage table counts them: home commune, birth date, first dose, full course.

    A narrow copy kept so the province's coverage table reads ~1.3 million small rows instead of joining
    ~2 million doses to the wide person table (``vaccination.coverage_entries`` keeps it in step, on every
    dose written or deleted, person saved or deleted, and merge; ``rebuild`` recomputes it from scratch).
    No foreign key to the person on purpose: a merge moves every relation of the duplicate to the survivor,
    and this row is recomputed instead. Figures only: no screen or API reads these rows.
    """

    person_id = models.BigIntegerField(primary_key=True)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=True
    )
    date_of_birth = models.DateField()
    first_dose = models.BooleanField(default=False)
    full_course = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("coverage entry")
        verbose_name_plural = _("coverage entries")

    def __str__(self) -> str:
        return f"{self.person_id}"
