"""Every read and write of person records: validation, duplicates, merge, search, audit.

Views and API handlers call these and nothing else, so scope and audit cannot be forgotten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text, search_key
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people import identity
from phongdich.people.models import Household, Person, PersonMerge, Sex

EDITABLE_FIELDS = ("full_name", "sex", "date_of_birth", "citizen_id", "phone", "home_commune", "address", "household")
OLDEST_AGE = 130


@dataclass(frozen=True)
class PersonInput:
    """What a caller sends; any field may be missing on update. ``home_commune`` is an official code."""

    full_name: str | None = None
    sex: str | None = None
    date_of_birth: dt.date | None = None
    citizen_id: str | None = None
    phone: str | None = None
    home_commune: str | None = None
    address: str | None = None
    household: str | None = None

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE_FIELDS if getattr(self, name) is not None}


def _clean(actor: User, data: dict[str, Any], current: Person | None) -> dict[str, Any]:
    """Validate and normalise; raise InvalidInput naming every bad field. Nothing is written here."""
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    if "full_name" in data:
        name = clean_text(str(data["full_name"]))
        if not name:
            errors.append(FieldError("full_name", _("Enter the full name.")))
        elif len(name) > 150:
            errors.append(FieldError("full_name", _("A name has at most 150 characters.")))
        elif any(ch.isdigit() for ch in name):
            errors.append(FieldError("full_name", _("A name has no digits.")))
        else:
            cleaned["full_name"] = name
    if "sex" in data:
        if data["sex"] not in Sex.values:
            errors.append(FieldError("sex", _("Sex is 'male' or 'female'.")))
        else:
            cleaned["sex"] = data["sex"]
    if "date_of_birth" in data:
        born = data["date_of_birth"]
        today = timezone.localdate()
        if not isinstance(born, dt.date):
            errors.append(FieldError("date_of_birth", _("Enter the date of birth as YYYY-MM-DD.")))
        elif born > today:
            errors.append(FieldError("date_of_birth", _("The date of birth is in the future.")))
        elif born.year < today.year - OLDEST_AGE:
            errors.append(FieldError("date_of_birth", _("The date of birth is too far in the past.")))
        else:
            cleaned["date_of_birth"] = born
    if "home_commune" in data:
        code = str(data["home_commune"]).strip()
        commune = AdministrativeUnit.objects.filter(code=code, level=Level.COMMUNE).first()
        # A commune outside the caller's units is "unknown" to them, like a record they may not see.
        if commune is None or (not access.unit_in_scope(actor, commune.path) and actor.role != "citizen"):
            errors.append(FieldError("home_commune", _("No commune has the code %(code)s.") % {"code": code}))
        else:
            cleaned["home_commune"] = commune
    if "address" in data:
        address = clean_text(str(data["address"]))
        if len(address) > 255:
            errors.append(FieldError("address", _("An address has at most 255 characters.")))
        else:
            cleaned["address"] = address
    if "phone" in data:
        raw = str(data["phone"]).strip()
        if raw == "":
            cleaned["phone"] = ""
        else:
            try:
                cleaned["phone"] = identity.normalise_phone(raw)
            except identity.IdentityError as exc:
                errors.append(FieldError("phone", str(exc)))
    sex = cleaned.get("sex", current.sex if current else None)
    born = cleaned.get("date_of_birth", current.date_of_birth if current else None)
    if "citizen_id" in data:
        raw = str(data["citizen_id"] or "").strip()
        if raw == "":
            cleaned["citizen_id"] = None
        else:
            try:
                cleaned["citizen_id"] = identity.validate_citizen_id(raw, sex=sex, date_of_birth=born)
            except identity.IdentityError as exc:
                errors.append(FieldError("citizen_id", str(exc)))
    elif current is not None and current.citizen_id and ("sex" in cleaned or "date_of_birth" in cleaned):
        # A changed sex or birth date must still agree with the CCCD already on file.
        try:
            identity.validate_citizen_id(current.citizen_id, sex=sex, date_of_birth=born)
        except identity.IdentityError as exc:
            field = "date_of_birth" if "date_of_birth" in cleaned else "sex"
            errors.append(FieldError(field, str(exc)))
    if "household" in data:
        code = str(data["household"] or "").strip()
        if code == "":
            cleaned["household"] = None
        else:
            household = access.restrict(Household.objects.all(), actor, "view").filter(code=code).first()
            if household is None:
                errors.append(FieldError("household", _("No household has the code %(code)s.") % {"code": code}))
            else:
                cleaned["household"] = household
    if errors:
        raise InvalidInput(_("The person record has errors."), errors)
    return cleaned


def _check_duplicates(actor: User, cleaned: dict[str, Any], current: Person | None) -> None:
    others = Person.objects.all() if current is None else Person.objects.exclude(pk=current.pk)
    citizen_id = cleaned.get("citizen_id")
    if citizen_id:
        existing = others.filter(citizen_id=citizen_id).first()
        if existing is not None:
            visible = access.restrict(Person.objects.filter(pk=existing.pk), actor, "view").exists()
            if visible:
                raise Conflict(
                    _("Person %(id)s already has this citizen ID.") % {"id": existing.pk},
                    [FieldError("citizen_id", _("Already registered to person %(id)s.") % {"id": existing.pk})],
                    existing_id=existing.pk,
                )
            raise Conflict(
                _("A person outside your area already has this citizen ID."),
                [FieldError("citizen_id", _("Already registered to a person outside your area."))],
            )
    name_key = search_key(cleaned.get("full_name", current.full_name if current else ""))
    born = cleaned.get("date_of_birth", current.date_of_birth if current else None)
    phone = cleaned.get("phone", current.phone if current else "")
    if name_key and born and phone:
        candidate = others.filter(name_key=name_key, date_of_birth=born, phone=phone).first()
        if candidate is not None:
            visible = access.restrict(Person.objects.filter(pk=candidate.pk), actor, "view").exists()
            raise Conflict(
                _("A person with the same name, date of birth and phone is already registered."),
                [FieldError("full_name", _("Same name, date of birth and phone as an existing person."))],
                **({"existing_id": candidate.pk} if visible else {}),
            )


def _fields_for_audit(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {"fields": sorted(cleaned)}


def create_person(actor: User, data: PersonInput) -> Person:
    if not access.can(actor, "person", "add"):
        raise NotFound()
    given = data.given()
    missing = [
        FieldError(name, _("This field is required."))
        for name in ("full_name", "sex", "date_of_birth", "home_commune")
        if name not in given
    ]
    try:
        cleaned = _clean(actor, given, None)
    except InvalidInput as invalid:
        # Name every bad field at once: the missing ones and the malformed ones.
        raise InvalidInput(invalid.detail, [*invalid.errors, *missing]) from None
    if missing:
        raise InvalidInput(_("The person record has errors."), missing)
    _check_duplicates(actor, cleaned, None)
    try:
        with transaction.atomic():
            person = Person(**cleaned)
            person.name_key = search_key(person.full_name)
            person.save()
            audit.record(actor, AuditAction.CREATE, "person", person.pk, detail=_fields_for_audit(cleaned))
    except IntegrityError:
        # A concurrent request registered the same citizen ID between our check and our insert.
        _check_duplicates(actor, cleaned, None)
        raise
    return person


def get_person(actor: User, person_id: object, action: str = "view") -> Person:
    person = access.get_or_404(Person.objects.select_related("home_commune", "household"), actor, action, pk=person_id)
    if action == "view":
        audit.record(actor, AuditAction.VIEW, "person", person.pk)
    return person


def update_person(actor: User, person_id: object, data: PersonInput) -> Person:
    with transaction.atomic():
        # of=self: lock the person only, not the commune row the scope joins (nor a nullable household,
        # which PostgreSQL refuses to lock on the outer side of a join).
        person = access.get_or_404(Person.objects.select_for_update(of=("self",)), actor, "change", pk=person_id)
        given = data.given()
        if actor.role == "citizen" and not actor.is_superuser:
            # Citizens correct their contact details; identity fields are changed by staff.
            # (createsuperuser leaves the default role, citizen: a superuser is not limited by it.)
            given = {k: v for k, v in given.items() if k in ("phone", "address")}
        cleaned = _clean(actor, given, person)
        _check_duplicates(actor, cleaned, person)
        changed = [name for name, value in cleaned.items() if getattr(person, name) != value]
        for name in changed:
            setattr(person, name, cleaned[name])
        if changed:
            person.name_key = search_key(person.full_name)
            person.save()
        audit.record(actor, AuditAction.UPDATE, "person", person.pk, detail={"fields": sorted(changed)})
    return person


def search_persons(
    actor: User, *, query: str = "", citizen_id: str = "", phone: str = "", commune: str = ""
) -> models.QuerySet[Person]:
    """Persons in the actor's scope matching every criterion given. ``query`` may be a name, ID or phone."""
    persons = access.restrict(Person.objects.select_related("home_commune"), actor, "view")
    text = query.strip()
    if text:
        compact = "".join(text.split())
        if compact.isdigit() and len(compact) in (9, 12):
            persons = persons.filter(citizen_id=compact)
        elif compact.lstrip("+").isdigit() and len(compact) >= 9:
            try:
                persons = persons.filter(phone=identity.normalise_phone(compact))
            except identity.IdentityError:
                persons = persons.none()
        else:
            persons = persons.filter(name_key__contains=search_key(text))
    if citizen_id.strip():
        persons = persons.filter(citizen_id="".join(citizen_id.split()))
    if phone.strip():
        try:
            persons = persons.filter(phone=identity.normalise_phone(phone))
        except identity.IdentityError:
            persons = persons.none()
    if commune.strip():
        persons = persons.filter(home_commune__code=commune.strip())
    return persons


def record_list_read(actor: User, persons: list[Person], criteria: dict[str, str]) -> None:
    """Audit a page of search results: who saw which records, and which kind of search (not its text)."""
    if persons:
        audit.record(
            actor,
            AuditAction.LIST,
            "person",
            object_ids=[p.pk for p in persons],
            detail={"criteria": sorted(k for k, v in criteria.items() if v)},
        )


def household_members(actor: User, person: Person, limit: int = 50) -> list[Person]:
    """The other members of the person's household that the actor may see; the read is audited."""
    if person.household_id is None:
        return []
    members = list(
        access.restrict(Person.objects.filter(household_id=person.household_id), actor, "view")
        .exclude(pk=person.pk)
        .select_related("home_commune")[:limit]
    )
    record_list_read(actor, members, {"household_of": str(person.pk)})
    return members


def count_registered_by_commune(unit: AdministrativeUnit) -> dict[str, int]:
    """Registered persons per home commune (by path) at or below ``unit``: figures, no rows, so not audited."""
    rows = (
        Person.objects.filter(home_commune__path__startswith=unit.path)
        .order_by()
        .values("home_commune__path")
        .annotate(n=models.Count("pk"))
    )
    return {row["home_commune__path"]: row["n"] for row in rows}


def duplicates_of(actor: User, person: Person, limit: int = 50) -> list[Person]:
    """Other visible records that are probably the same person; the read is audited."""
    candidates = models.Q(name_key=person.name_key, date_of_birth=person.date_of_birth)
    if person.phone:
        candidates &= models.Q(phone=person.phone)
    found = list(
        access.restrict(Person.objects.filter(candidates).exclude(pk=person.pk), actor, "view").select_related(
            "home_commune", "household"
        )[:limit]
    )
    record_list_read(actor, found, {"duplicates_of": str(person.pk)})
    return found


def _snapshot(person: Person) -> dict[str, Any]:
    return {
        "full_name": person.full_name,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat(),
        "citizen_id": person.citizen_id,
        "phone": person.phone,
        "home_commune": person.home_commune.code,
        "address": person.address,
        "household": person.household.code if person.household else None,
        "created_at": person.created_at.isoformat(),
    }


def merge_persons(actor: User, survivor_id: object, duplicate_id: object) -> PersonMerge:
    """Fold ``duplicate`` into ``survivor``: every record pointing at it moves, and the merge is kept."""
    if str(survivor_id) == str(duplicate_id):
        raise InvalidInput(
            _("A person cannot be merged with itself."), [FieldError("duplicate_id", _("Choose another person."))]
        )
    with transaction.atomic():
        survivor = access.get_or_404(Person.objects.select_for_update(of=("self",)), actor, "merge", pk=survivor_id)
        duplicate = access.get_or_404(
            Person.objects.select_for_update(of=("self",)).select_related("home_commune", "household"),
            actor,
            "merge",
            pk=duplicate_id,
        )
        moved: dict[str, int] = {}
        # Every relation to Person, whichever app declares it, so later apps need no change here; hidden ones
        # too (related_name="+"), or a protected link would stop the delete below.
        relations = [
            field
            for field in Person._meta.get_fields(include_hidden=True)
            if isinstance(field, ForeignObjectRel) and (field.one_to_many or field.one_to_one)
        ]
        for relation in relations:
            model = relation.related_model
            if not isinstance(model, type) or model is PersonMerge:
                continue
            manager = model._default_manager
            link = relation.field.name
            if (
                relation.one_to_one
                and manager.filter(**{link: duplicate}).exists()
                and manager.filter(**{link: survivor}).exists()
            ):
                what = model._meta.verbose_name
                raise Conflict(
                    _("Both records have a linked %(what)s; resolve that first.") % {"what": what},
                    [FieldError("duplicate_id", _("Both records have a linked %(what)s.") % {"what": what})],
                )
            try:
                # A savepoint: records that may exist once per person (a dose number, say) collide here.
                with transaction.atomic():
                    count = manager.filter(**{link: duplicate}).update(**{link: survivor})
            except IntegrityError:
                what = model._meta.verbose_name_plural
                raise Conflict(
                    _("Both records have %(what)s that cannot be combined; correct them first.") % {"what": what},
                    [FieldError("duplicate_id", _("Conflicting %(what)s on both records.") % {"what": what})],
                ) from None
            if count:
                moved[model._meta.label_lower] = count
        snapshot = _snapshot(duplicate)
        filled = []
        # Keep what the survivor lacks.
        for name in ("citizen_id", "phone", "address", "household"):
            if not getattr(survivor, name) and getattr(duplicate, name):
                filled.append(name)
        values = {name: getattr(duplicate, name) for name in filled}
        duplicate_pk = duplicate.pk
        duplicate.delete()
        for name, value in values.items():
            setattr(survivor, name, value)
        if filled:
            survivor.save()
        merge = PersonMerge.objects.create(
            survivor=survivor, merged_person_id=duplicate_pk, merged_record=snapshot, moved=moved, merged_by=actor
        )
        audit.record(
            actor,
            AuditAction.MERGE,
            "person",
            survivor.pk,
            object_ids=[survivor.pk, duplicate_pk],
            detail={"merged": duplicate_pk, "moved": moved, "filled": filled},
        )
    return merge
