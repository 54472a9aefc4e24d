"""Every read and write of vaccination records: validation, full-course status, scope and audit.

Views and API handlers call these and nothing else. A person outside the actor's scope is NotFound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.people.models import Person
from phongdich.vaccination.models import FullCourseRule, Vaccination, VaccineProduct

MAX_DOSES = 10


@dataclass(frozen=True)
class VaccinationInput:
    """What a caller sends. ``product`` is a product code (``EU/1/20/1528``), name or known alias."""

    person: int
    dose_number: int
    product: str
    date: dt.date
    lot: str = ""
    site: str = ""


@dataclass
class VaccinationStatus:
    """Where a person stands: first dose, full primary course (first product's rule), boosters."""

    doses: list[Vaccination] = field(default_factory=list)
    doses_for_full_course: int | None = None
    first_dose_date: dt.date | None = None
    full_course_date: dt.date | None = None
    boosters: int = 0

    @property
    def has_first_dose(self) -> bool:
        return self.first_dose_date is not None

    @property
    def full_course(self) -> bool:
        return self.full_course_date is not None


def find_product(text: str) -> VaccineProduct | None:
    """A product by code, name or alias, ignoring case and surrounding spaces."""
    key = clean_text(text).lower()
    if not key:
        return None
    products = VaccineProduct.objects.select_related("rule")
    found = products.annotate(lcode=Lower("code"), lname=Lower("name")).filter(
        models.Q(lcode=key) | models.Q(lname=key)
    )
    product = found.first()
    if product is not None:
        return product
    for candidate in products.filter(active=True):
        if key in (alias.lower() for alias in candidate.aliases):
            return candidate
    return None


def _rule(product: VaccineProduct) -> FullCourseRule:
    rule = FullCourseRule.objects.filter(product=product).first()
    # A product without a rule counts as a two-dose course with no minimum gap.
    return rule or FullCourseRule(product=product, doses=2, min_interval_days=0)


def vaccination_status(person: Person) -> VaccinationStatus:
    """The person's doses and status by the data rules. Mixed products count, as the national rules do:
    a full course is N doses where N is the rule of the product of the first dose. Not audited: callers are."""
    doses = list(Vaccination.objects.filter(person=person).select_related("product").order_by("dose_number"))
    status = VaccinationStatus(doses=doses)
    if not doses:
        return status
    first = doses[0]
    needed = _rule(first.product).doses
    status.doses_for_full_course = needed
    status.first_dose_date = first.date if first.dose_number == 1 else None
    if len(doses) >= needed:
        status.full_course_date = doses[needed - 1].date
    status.boosters = max(0, len(doses) - needed)
    return status


def record_vaccination(actor: User, data: VaccinationInput) -> Vaccination:
    """Record one dose. Raises InvalidInput naming every bad field; NotFound for a person out of scope."""
    if not access.can(actor, "vaccination", "add"):
        raise NotFound()
    with transaction.atomic():
        person = access.get_or_404(Person.objects.select_for_update(of=("self",)), actor, "view", pk=data.person)
        errors: list[FieldError] = []
        product = find_product(data.product)
        if product is None:
            errors.append(FieldError("product", _("No vaccine is called %(name)s.") % {"name": data.product[:60]}))
        dose_number = data.dose_number
        if not isinstance(dose_number, int) or not 1 <= dose_number <= MAX_DOSES:
            errors.append(FieldError("dose_number", _("The dose number is from 1 to %(max)s.") % {"max": MAX_DOSES}))
            dose_number = 0
        given = data.date
        today = timezone.localdate()
        if not isinstance(given, dt.date):
            errors.append(FieldError("date", _("Enter the date as YYYY-MM-DD.")))
        elif given > today:
            errors.append(FieldError("date", _("The date of vaccination is in the future.")))
        elif given < person.date_of_birth:
            errors.append(FieldError("date", _("The date of vaccination is before the person's birth.")))
        lot = clean_text(data.lot or "")
        if len(lot) > 40:
            errors.append(FieldError("lot", _("A lot number has at most 40 characters.")))
        site = clean_text(data.site or "")
        if len(site) > 200:
            errors.append(FieldError("site", _("A site name has at most 200 characters.")))
        earlier = {v.dose_number: v for v in Vaccination.objects.filter(person=person).select_related("product")}
        if dose_number and dose_number in earlier:
            errors.append(
                FieldError("dose_number", _("Dose %(n)s is already recorded for this person.") % {"n": dose_number})
            )
        elif dose_number > 1:
            previous = earlier.get(dose_number - 1)
            if previous is None:
                errors.append(FieldError("dose_number", _("Record dose %(n)s first.") % {"n": dose_number - 1}))
            elif isinstance(given, dt.date):
                course_product = earlier[1].product if 1 in earlier else previous.product
                gap = _rule(course_product).min_interval_days
                if given < previous.date + dt.timedelta(days=gap):
                    errors.append(
                        FieldError(
                            "date",
                            _("Dose %(n)s must be given at least %(days)s days after dose %(prev)s (%(date)s).")
                            % {
                                "n": dose_number,
                                "days": gap,
                                "prev": dose_number - 1,
                                "date": previous.date.strftime("%d/%m/%Y"),
                            },
                        )
                    )
        if errors:
            raise InvalidInput(_("The vaccination record has errors."), errors)
        assert product is not None
        first_product = earlier[1].product if 1 in earlier else product
        needed = _rule(first_product).doses
        try:
            with transaction.atomic():
                vaccination = Vaccination.objects.create(
                    person=person,
                    dose_number=dose_number,
                    is_booster=dose_number > needed,
                    completes_course=dose_number == needed,
                    product=product,
                    lot=lot,
                    date=given,
                    site=site,
                    vaccinator=actor,
                )
        except IntegrityError:
            raise InvalidInput(
                _("The vaccination record has errors."),
                [FieldError("dose_number", _("Dose %(n)s is already recorded for this person.") % {"n": dose_number})],
            ) from None
        audit.record(
            actor,
            AuditAction.CREATE,
            "vaccination",
            vaccination.pk,
            detail={"person": person.pk, "dose_number": dose_number},
        )
    return vaccination


def person_vaccinations(actor: User, person_id: object) -> tuple[Person, VaccinationStatus]:
    """A person's doses and status, for an actor who may see that person's vaccination records. Audited."""
    if not access.can(actor, "vaccination", "view"):
        raise NotFound()
    person = access.get_or_404(Person.objects.select_related("home_commune"), actor, "view", pk=person_id)
    status = vaccination_status(person)
    visible = set(
        access.restrict(Vaccination.objects.filter(person=person), actor, "view").values_list("pk", flat=True)
    )
    status.doses = [dose for dose in status.doses if dose.pk in visible]
    audit.record(
        actor,
        AuditAction.VIEW,
        "vaccination",
        object_ids=[dose.pk for dose in status.doses],
        detail={"person": person.pk},
    )
    return person, status


def search_vaccinations(actor: User) -> models.QuerySet[Vaccination]:
    """The vaccination records the actor may see (audit the page read with :func:`record_list_read`)."""
    return access.restrict(
        Vaccination.objects.select_related("person", "product").order_by("-date", "-pk"), actor, "view"
    )


def record_list_read(actor: User, rows: list[Vaccination], criteria: dict[str, Any]) -> None:
    if rows:
        audit.record(
            actor,
            AuditAction.LIST,
            "vaccination",
            object_ids=[row.pk for row in rows],
            detail={"criteria": sorted(k for k, v in criteria.items() if v)},
        )


def products() -> list[VaccineProduct]:
    return list(VaccineProduct.objects.filter(active=True).select_related("rule"))
