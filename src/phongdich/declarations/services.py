"""Every read and write of health declarations: submission (with the phone code), risk rules and their actions,
officers' lists and details, the citizen's own list, the areas outside the province.

A submission is one phone-confirmed form for one or several people (a family): one declaration and one QR each.
It is idempotent by the client's ``submission_id``. Persons: a declared person is matched to the registry by
citizen ID, else by phone + name + birth year; when a risk rule calls for an action and no one matched, the
person is registered in the destination commune (born 1 January of the declared year: only the year is
asked), so officers follow a registry record. Symptoms and vaccination are each person's; the contact with an
F0/F1, the journey and the places are the submission's. Everything of one submission is stored in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phongdich.accounts import phone_otp
from phongdich.accounts.models import User
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text, search_key
from phongdich.declarations.models import (
    Condition,
    Declaration,
    DeclarationKind,
    DeclarationRiskPolicy,
    DeclarationStatus,
    ExternalArea,
    RiskAction,
    VaccinationClaim,
    VehicleKind,
)
from phongdich.declarations.plates import normalise_plate
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people import identity
from phongdich.people.models import Person, Sex

OTP_PURPOSE = "declaration"
# How long a declaration's QR is valid, per kind (hours); an installation may set PHONGDICH_DECLARATION_VALID_HOURS.
VALID_HOURS = {DeclarationKind.MOVEMENT: 72, DeclarationKind.ENTRY: 72, DeclarationKind.PERIODIC: 24}
MAX_PEOPLE = 10
TEXT_MAX = 255
PLACES_MAX = 1000
# The travel date may be a few days back (declared on arrival) or up to a week ahead, not further.
MAX_DAYS_BACK = 3
MAX_DAYS_AHEAD = 7
OLDEST_AGE = 120
RESULT_SALT = "phongdich.declarations.result"
RESULT_MAX_AGE = dt.timedelta(days=30)
# Vehicles that carry a registration plate.
PLATED = {VehicleKind.CAR, VehicleKind.MOTORBIKE, VehicleKind.BUS, VehicleKind.TRUCK}

SYMPTOMS: dict[str, Any] = {
    "fever": gettext_lazy("Fever"),
    "cough": gettext_lazy("Cough"),
    "sore_throat": gettext_lazy("Sore throat"),
    "breathless": gettext_lazy("Shortness of breath"),
    "taste_smell": gettext_lazy("Loss of taste or smell"),
    "fatigue": gettext_lazy("Tiredness"),
    "aches": gettext_lazy("Muscle aches"),
    "diarrhoea": gettext_lazy("Diarrhoea"),
}


def valid_hours(kind: str) -> int:
    configured = dict(getattr(settings, "PHONGDICH_DECLARATION_VALID_HOURS", {}) or {})
    return int(configured.get(kind, VALID_HOURS[DeclarationKind(kind)]))


@dataclass(frozen=True)
class PersonEntry:
    full_name: str
    birth_year: int | None
    sex: str
    citizen_id: str = ""
    symptoms: Sequence[str] = ()
    vaccination: str = VaccinationClaim.UNKNOWN


@dataclass(frozen=True)
class DeclarationInput:
    """One submission. ``from_unit`` is an official code of the platform's units, ``from_area`` of an area outside
    the province; ``to_commune`` the official code of a commune of the province."""

    submission_id: str
    kind: str
    people: Sequence[PersonEntry]
    to_commune: str
    from_unit: str = ""
    from_area: str = ""
    to_address: str = ""
    travel_date: dt.date | None = None
    vehicle_kind: str = ""
    vehicle_plate: str = ""
    purpose: str = ""
    contact_f0_f1: bool = False
    places_visited: str = ""


@dataclass
class _Checked:
    submission_id: uuid.UUID
    kind: str
    people: list[PersonEntry]
    to_commune: AdministrativeUnit
    from_unit: AdministrativeUnit | None
    from_area: ExternalArea | None
    to_address: str
    travel_date: dt.date
    vehicle_kind: str
    vehicle_plate: str
    purpose: str
    contact_f0_f1: bool
    places_visited: str
    errors: list[FieldError] = field(default_factory=list)


def _local_today(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def _text(value: str, name: str, limit: int, errors: list[FieldError]) -> str:
    text = clean_text(value or "")
    if len(text) > limit:
        errors.append(FieldError(name, _("At most %(n)s characters.") % {"n": limit}))
    return text[:limit]


def _check_people(entries: Sequence[PersonEntry], today: dt.date, errors: list[FieldError]) -> list[PersonEntry]:
    if not entries:
        errors.append(FieldError("people", _("Declare at least one person.")))
        return []
    if len(entries) > MAX_PEOPLE:
        errors.append(FieldError("people", _("At most %(n)s people in one declaration.") % {"n": MAX_PEOPLE}))
        return []
    checked: list[PersonEntry] = []
    for index, entry in enumerate(entries):
        prefix = f"people.{index}."
        name = clean_text(entry.full_name or "")
        if not name:
            errors.append(FieldError(prefix + "full_name", _("Enter the full name.")))
        elif len(name) > 150:
            errors.append(FieldError(prefix + "full_name", _("A name has at most 150 characters.")))
        elif any(ch.isdigit() or ch in "<>{}[]\\/=;" for ch in name):
            errors.append(FieldError(prefix + "full_name", _("A name has letters, spaces and hyphens only.")))
        year = entry.birth_year
        if year is None:
            errors.append(FieldError(prefix + "birth_year", _("Enter the year of birth.")))
        elif not today.year - OLDEST_AGE <= year <= today.year:
            errors.append(
                FieldError(
                    prefix + "birth_year",
                    _("Enter a year of birth between %(a)s and %(b)s.")
                    % {"a": today.year - OLDEST_AGE, "b": today.year},
                )
            )
        if entry.sex not in Sex.values:
            errors.append(FieldError(prefix + "sex", _("Choose male or female.")))
        citizen_id = "".join((entry.citizen_id or "").split())
        if citizen_id:
            if not (citizen_id.isdecimal() and citizen_id.isascii() and len(citizen_id) == 12):
                errors.append(FieldError(prefix + "citizen_id", _("A citizen ID (CCCD) has 12 digits.")))
            elif year is not None and entry.sex in Sex.values:
                try:
                    identity.check_cccd(citizen_id, sex=entry.sex, date_of_birth=dt.date(year, 1, 1))
                except identity.IdentityError as exc:
                    errors.append(FieldError(prefix + "citizen_id", str(exc)))
        symptoms = list(dict.fromkeys(entry.symptoms or ()))
        if any(symptom not in SYMPTOMS for symptom in symptoms):
            errors.append(FieldError(prefix + "symptoms", _("Choose symptoms from the list.")))
        if entry.vaccination not in VaccinationClaim.values:
            errors.append(FieldError(prefix + "vaccination", _("Choose a vaccination status from the list.")))
        checked.append(PersonEntry(name, year, entry.sex, citizen_id, tuple(symptoms), entry.vaccination))
    seen = [entry.citizen_id for entry in checked if entry.citizen_id]
    if len(seen) != len(set(seen)):
        errors.append(FieldError("people", _("The same citizen ID is given for two people.")))
    return checked


def _check(data: DeclarationInput, at: dt.datetime) -> _Checked:
    """Validate and resolve everything; raise InvalidInput naming every bad field. Nothing is written."""
    errors: list[FieldError] = []
    today = _local_today(at)
    try:
        submission_id = uuid.UUID(str(data.submission_id))
    except ValueError:
        errors.append(FieldError("submission_id", _("Reload the form and send it again.")))
        submission_id = uuid.uuid4()
    kind = data.kind
    if kind not in DeclarationKind.values:
        errors.append(FieldError("kind", _("Choose what you declare.")))
    people = _check_people(data.people, today, errors)
    to_code = (data.to_commune or "").strip()
    to_commune = AdministrativeUnit.objects.filter(code=to_code, level=Level.COMMUNE).first() if to_code else None
    if to_commune is None:
        errors.append(FieldError("to_commune", _("Choose the commune you are going to (or live in).")))
    from_unit: AdministrativeUnit | None = None
    from_area: ExternalArea | None = None
    unit_code, area_code = (data.from_unit or "").strip(), (data.from_area or "").strip()
    if kind == DeclarationKind.PERIODIC:
        pass  # a periodic declaration is about where one lives: no origin
    elif unit_code and area_code:
        errors.append(FieldError("from_unit", _("Give where you come from once: a place in the province or outside.")))
    elif unit_code and kind == DeclarationKind.MOVEMENT:
        from_unit = AdministrativeUnit.objects.filter(code=unit_code).first()
        if from_unit is None:
            errors.append(
                FieldError("from_unit", _("No place in the province has the code %(code)s.") % {"code": unit_code[:20]})
            )
    elif area_code:
        from_area = ExternalArea.objects.filter(code=area_code).first()
        if from_area is None:
            errors.append(FieldError("from_area", _("Choose the province you come from.")))
    else:
        name = "from_area" if kind == DeclarationKind.ENTRY else "from_unit"
        errors.append(FieldError(name, _("Say where you come from.")))
    travel_date = data.travel_date or today
    if kind == DeclarationKind.PERIODIC:
        travel_date = today
    elif travel_date < today - dt.timedelta(days=MAX_DAYS_BACK):
        errors.append(FieldError("travel_date", _("The date is more than %(n)s days ago.") % {"n": MAX_DAYS_BACK}))
    elif travel_date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.append(FieldError("travel_date", _("Declare at most %(n)s days ahead.") % {"n": MAX_DAYS_AHEAD}))
    vehicle_kind = data.vehicle_kind or ""
    plate = ""
    if vehicle_kind not in VehicleKind.values:
        errors.append(FieldError("vehicle_kind", _("Choose a vehicle from the list.")))
    elif kind != DeclarationKind.PERIODIC:
        if data.vehicle_plate.strip():
            try:
                plate = normalise_plate(data.vehicle_plate)
            except InvalidInput as exc:
                errors.extend(FieldError("vehicle_plate", e.message) for e in exc.errors)
        elif vehicle_kind in PLATED:
            errors.append(FieldError("vehicle_plate", _("Enter the plate number of the vehicle.")))
    checked = _Checked(
        submission_id=submission_id,
        kind=kind,
        people=people,
        to_commune=to_commune,  # type: ignore[arg-type]  # None only with an error, raised below
        from_unit=from_unit,
        from_area=from_area,
        to_address=_text(data.to_address, "to_address", TEXT_MAX, errors),
        travel_date=travel_date,
        vehicle_kind=vehicle_kind if kind != DeclarationKind.PERIODIC else "",
        vehicle_plate=plate,
        purpose=_text(data.purpose, "purpose", TEXT_MAX, errors),
        contact_f0_f1=bool(data.contact_f0_f1),
        places_visited=_text(data.places_visited, "places_visited", PLACES_MAX, errors),
    )
    if errors:
        raise InvalidInput(_("The declaration has errors."), errors)
    return checked


# --- Origin: level and lockdown --------------------------------------------------------------------------------


def origin_level(unit: AdministrativeUnit, at: dt.datetime) -> int | None:
    """The published level of the unit, else of the nearest unit above it that has one."""
    from phongdich.levels.services import current_levels

    levels = current_levels(at)
    current: AdministrativeUnit | None = unit
    while current is not None:
        if current.pk in levels:
            return levels[current.pk]
        current = current.parent
    return None


def origin_in_lockdown(unit: AdministrativeUnit, at: dt.datetime) -> bool:
    """Whether the commune, or a commune of the district or province, is in a zone in force."""
    from phongdich.lockdown.services import active_commune_ids

    active = active_commune_ids(at)
    if not active:
        return False
    if unit.pk in active:
        return True
    return AdministrativeUnit.objects.filter(path__startswith=unit.path, pk__in=active).exists()


# --- Risk rules -----------------------------------------------------------------------------------------------


def policy_in_force(at: dt.datetime) -> DeclarationRiskPolicy | None:
    return (
        DeclarationRiskPolicy.objects.filter(valid_from__lte=at)
        .prefetch_related("rules")
        .order_by("-valid_from", "-version")
        .first()
    )


def _matches(declaration: Declaration, policy: DeclarationRiskPolicy | None) -> list[dict[str, Any]]:
    """The rules the declaration matches, each with the reason in words (in the province's language)."""
    if policy is None:
        return []
    found: list[dict[str, Any]] = []
    with translation.override(settings.LANGUAGE_CODE):
        for rule in policy.rules.all():
            why = ""
            if rule.condition == Condition.FROM_LEVEL:
                level = declaration.from_level
                if level is not None and level >= (rule.min_level or 1):
                    why = _("Comes from %(place)s, at level %(level)s.") % {
                        "place": declaration.origin_name,
                        "level": level,
                    }
            elif rule.condition == Condition.FROM_LOCKDOWN and declaration.from_lockdown:
                why = _("Comes from a lockdown zone in %(place)s.") % {"place": declaration.origin_name}
            elif rule.condition == Condition.SYMPTOMS and declaration.symptoms:
                why = _("Declares symptoms: %(list)s.") % {
                    "list": ", ".join(str(SYMPTOMS[s]) for s in declaration.symptoms if s in SYMPTOMS)
                }
            elif rule.condition == Condition.CONTACT and declaration.contact_f0_f1:
                why = _("Declares a contact with an F0 or F1.")
            if why:
                found.append(
                    {
                        "rule": rule.pk,
                        "condition": rule.condition,
                        "min_level": rule.min_level,
                        "action": rule.action,
                        "why": why,
                    }
                )
    return found


def _register_person(declaration: Declaration, entry: PersonEntry) -> Person:
    """The declared person in the registry, in the destination commune (a risk action needs a record)."""
    assert entry.birth_year is not None
    person = Person(
        full_name=entry.full_name,
        name_key=search_key(entry.full_name),
        sex=entry.sex,
        date_of_birth=dt.date(entry.birth_year, 1, 1),
        citizen_id=entry.citizen_id or None,
        phone=declaration.phone,
        home_commune=declaration.to_commune,
        address=declaration.to_address,
    )
    person.save(force_insert=True)
    audit.record(
        None,
        AuditAction.CREATE,
        "person",
        person.pk,
        detail={"fields": ["full_name", "sex", "date_of_birth", "phone", "home_commune"], "declaration": True},
    )
    return person


def _match_person(entry: PersonEntry, phone: str) -> Person | None:
    if entry.citizen_id:
        by_id = Person.objects.filter(citizen_id=entry.citizen_id).select_related("home_commune").first()
        if by_id is not None:
            return by_id
    return (
        Person.objects.filter(name_key=search_key(entry.full_name), date_of_birth__year=entry.birth_year, phone=phone)
        .select_related("home_commune")
        .order_by("pk")
        .first()
    )


def _apply_actions(declaration: Declaration, entry: PersonEntry, at: dt.datetime) -> None:
    """The task(s) and, per policy, the quarantine order in the destination commune. Inside the transaction."""
    from phongdich.cases.models import Case, CaseStatus
    from phongdich.quarantine import services as quarantine
    from phongdich.quarantine.models import OrderReason, OrderStatus, QuarantineOrder
    from phongdich.tasks import services as tasks
    from phongdich.tasks.models import TaskKind

    actions = {match["action"] for match in declaration.risk_matches}
    if not actions:
        return
    person = declaration.person
    if person is None:
        person = _register_person(declaration, entry)
        declaration.person = person
    reasons = " ".join(str(match["why"]) for match in declaration.risk_matches)
    with translation.override(settings.LANGUAGE_CODE):
        details = _("Health declaration %(id)s (%(kind)s). %(reasons)s Phone ending %(last4)s.") % {
            "id": declaration.pk,
            "kind": declaration.get_kind_display(),
            "reasons": reasons,
            "last4": declaration.phone[-4:],
        }
        tasks.create_task(
            None,
            kind=TaskKind.CALL_CONTACT,
            commune=declaration.to_commune,
            title=_("Call %(name)s about their health declaration") % {"name": declaration.full_name},
            due_at=at + dt.timedelta(hours=4),
            person=person,
            source_key=f"declarations.call:{declaration.pk}",
            details=details,
        )
        if RiskAction.TEST in actions:
            tasks.create_task(
                None,
                kind=TaskKind.TAKE_SAMPLE,
                commune=declaration.to_commune,
                title=_("Take a sample from %(name)s (health declaration)") % {"name": declaration.full_name},
                due_at=at + dt.timedelta(hours=24),
                person=person,
                source_key=f"declarations.sample:{declaration.pk}",
                details=details,
            )
    if RiskAction.QUARANTINE in actions:
        busy = (
            QuarantineOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).exists()
            or Case.objects.filter(person=person, status=CaseStatus.ACTIVE).exists()
        )
        if not busy:
            level4 = any(
                m["condition"] == Condition.FROM_LEVEL and (declaration.from_level or 0) >= 4
                for m in declaration.risk_matches
                if m["action"] == RiskAction.QUARANTINE
            )
            reason = OrderReason.ARRIVAL_FROM_LEVEL4 if level4 else OrderReason.OTHER
            start = max(declaration.travel_date, _local_today(at))
            protection = quarantine.protection_of(person, start)
            plan = quarantine.plan_for(reason, protection, start)
            # The system issues it (no actor), as tracing's F1 orders are: the order flow's own function.
            declaration.quarantine_order = quarantine._create_order(
                None,
                person,
                reason=reason,
                plan=plan,
                protection=protection,
                place=declaration.to_address,
                note=reasons[:2000],
            )


# --- Submission -----------------------------------------------------------------------------------------------


def _existing(submission_id: uuid.UUID) -> list[Declaration]:
    return list(
        Declaration.objects.filter(submission_id=submission_id)
        .select_related("to_commune", "from_unit", "from_area")
        .order_by("position")
    )


def _vaccination(person: Person | None, declared: str) -> tuple[str, bool]:
    if person is None:
        return declared, False
    from phongdich.vaccination.services import vaccination_status

    status = vaccination_status(person)
    if not status.doses:
        return declared, False
    return (VaccinationClaim.FULL if status.full_course else VaccinationClaim.PARTIAL), True


def submit_declaration(
    data: DeclarationInput,
    *,
    challenge_id: str = "",
    code: str = "",
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> list[Declaration]:
    """Store a submission: one declaration per person, risk rules applied. The phone is confirmed by the
    one-time code, or is the signed-in citizen's own. A retry with the same ``submission_id`` returns what the
    first stored (it must come from the same phone code or account)."""
    at = at or timezone.now()
    try:
        key = uuid.UUID(str(data.submission_id))
    except ValueError:
        key = None
    if key is not None:
        before = _existing(key)
        if before:
            return _same_sender(before, challenge_id, actor)
    checked = _check(data, at)
    citizen = actor if actor is not None and actor.is_authenticated and actor.role == "citizen" else None
    citizen_person = (
        Person.objects.filter(pk=citizen.person_id).first() if citizen is not None and citizen.person_id else None
    )
    if citizen_person is not None and citizen_person.phone:
        phone = citizen_person.phone
        challenge_key: uuid.UUID | None = None
    else:
        if not challenge_id or not code:
            raise InvalidInput(
                _("Confirm your phone number with the code sent to it."),
                [FieldError("code", _("Enter the code sent to your phone."))],
            )
        # Confirmed outside the transaction: a wrong attempt stays counted (see phone_otp).
        phone = phone_otp.confirm_challenge(challenge_id, code, OTP_PURPOSE)
        challenge_key = uuid.UUID(challenge_id)
    try:
        with transaction.atomic():
            return _store(checked, phone, challenge_key, citizen, at)
    except IntegrityError:
        # The same submission was stored by a concurrent retry a moment ago.
        before = _existing(checked.submission_id)
        if before:
            return before
        raise


def store_confirmed(
    data: DeclarationInput, phone: str, *, actor: User | None = None, at: dt.datetime | None = None
) -> list[Declaration]:
    """Store a submission whose phone a trusted caller has already confirmed (the synthetic province)."""
    at = at or timezone.now()
    checked = _check(data, at)
    try:
        phone = identity.normalise_phone(phone)
    except identity.IdentityError as exc:
        raise InvalidInput(str(exc), [FieldError("phone", str(exc))]) from None
    with transaction.atomic():
        return _store(checked, phone, None, actor, at)


def _same_sender(before: list[Declaration], challenge_id: str, actor: User | None) -> list[Declaration]:
    first = before[0]
    if first.challenge_id is not None and str(first.challenge_id) == str(challenge_id).strip():
        return before
    if first.submitted_by_id is not None and actor is not None and first.submitted_by_id == actor.pk:
        return before
    raise Conflict(
        _("This form was already sent. Reload the page to declare again."),
        [FieldError("submission_id", _("This form was already sent."))],
    )


def _store(
    checked: _Checked, phone: str, challenge_key: uuid.UUID | None, citizen: User | None, at: dt.datetime
) -> list[Declaration]:
    policy = policy_in_force(at)
    level: int | None = None
    lockdown = False
    if checked.from_unit is not None:
        level = origin_level(checked.from_unit, at)
        lockdown = origin_in_lockdown(checked.from_unit, at)
    elif checked.from_area is not None:
        level = checked.from_area.level
    valid_until = at + dt.timedelta(hours=valid_hours(checked.kind))
    stored: list[Declaration] = []
    for position, entry in enumerate(checked.people):
        person = _match_person(entry, phone)
        vaccination, from_platform = _vaccination(person, entry.vaccination)
        declaration = Declaration(
            submission_id=checked.submission_id,
            position=position,
            challenge_id=challenge_key,
            kind=checked.kind,
            full_name=entry.full_name,
            birth_year=entry.birth_year or 0,
            sex=entry.sex,
            citizen_id=entry.citizen_id,
            phone=phone,
            person=person,
            from_unit=checked.from_unit,
            from_area=checked.from_area,
            from_level=level,
            from_lockdown=lockdown,
            to_commune=checked.to_commune,
            to_address=checked.to_address,
            travel_date=checked.travel_date,
            vehicle_kind=checked.vehicle_kind,
            vehicle_plate=checked.vehicle_plate,
            purpose=checked.purpose,
            symptoms=list(entry.symptoms),
            contact_f0_f1=checked.contact_f0_f1,
            places_visited=checked.places_visited,
            vaccination=vaccination,
            vaccination_from_platform=from_platform,
            valid_until=valid_until,
            policy=policy,
            submitted_by=citizen,
            created_at=at,
        )
        declaration.save(force_insert=True)
        declaration.risk_matches = _matches(declaration, policy)
        declaration.at_risk = bool(declaration.risk_matches)
        _apply_actions(declaration, entry, at)
        declaration.save(update_fields=["risk_matches", "at_risk", "person", "quarantine_order"])
        _supersede(declaration)
        if declaration.person_id is not None:
            audit.record(
                citizen,
                AuditAction.CREATE,
                "declaration",
                declaration.pk,
                detail={"person": declaration.person_id, "kind": declaration.kind, "at_risk": declaration.at_risk},
            )
        stored.append(declaration)
    return stored


def _supersede(declaration: Declaration) -> None:
    """An older valid declaration of the same kind by the same person is replaced by the new one."""
    older = Declaration.objects.filter(kind=declaration.kind, status=DeclarationStatus.ACTIVE).exclude(
        pk=declaration.pk
    )
    if declaration.person_id is not None:
        older = older.filter(person_id=declaration.person_id)
    else:
        older = older.filter(
            phone=declaration.phone, full_name=declaration.full_name, birth_year=declaration.birth_year
        )
    older.update(status=DeclarationStatus.SUPERSEDED)


def start_phone_check(phone: str) -> str:
    """Send the declaration's one-time code (``accounts.phone_otp``)."""
    return phone_otp.start_challenge(phone, OTP_PURPOSE)


# --- The declarant's link -------------------------------------------------------------------------------------


def result_token(submission_id: uuid.UUID) -> str:
    return signing.dumps(str(submission_id), salt=RESULT_SALT, compress=False)


def declarations_for_token(token: str) -> list[Declaration]:
    """The declarations behind a result link (30 days); NotFound for a wrong or old link."""
    try:
        value = signing.loads(token, salt=RESULT_SALT, max_age=RESULT_MAX_AGE)
        key = uuid.UUID(str(value))
    except (signing.BadSignature, ValueError):
        raise NotFound() from None
    found = _existing(key)
    if not found:
        raise NotFound()
    return found


# --- Officers and citizens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationFilter:
    kind: str = ""
    risk: str = ""  # "yes", "no" or "" for both
    day: dt.date | None = None
    commune: str = ""


def search_declarations(actor: User, criteria: DeclarationFilter | None = None) -> models.QuerySet[Declaration]:
    """The declarations arriving in the actor's area (destination commune in scope), newest first."""
    if not access.can(actor, "declaration", "view") or actor.role == "citizen":
        raise NotFound()
    criteria = criteria or DeclarationFilter()
    rows = access.restrict(Declaration.objects.all(), actor, "view")
    if criteria.kind:
        if criteria.kind not in DeclarationKind.values:
            raise InvalidInput(_("Unknown kind."), [FieldError("kind", _("Unknown kind."))])
        rows = rows.filter(kind=criteria.kind)
    if criteria.risk == "yes":
        rows = rows.filter(at_risk=True)
    elif criteria.risk == "no":
        rows = rows.filter(at_risk=False)
    if criteria.day is not None:
        start = timezone.make_aware(dt.datetime.combine(criteria.day, dt.time()))
        rows = rows.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    if criteria.commune:
        rows = rows.filter(to_commune__code=criteria.commune)
    return rows.select_related("to_commune", "from_unit", "from_area").order_by("-created_at", "-id")


def record_list_read(actor: User, rows: Sequence[Declaration], criteria: dict[str, object]) -> None:
    if rows:
        audit.record(
            actor,
            AuditAction.LIST,
            "declaration",
            object_ids=[row.pk for row in rows],
            detail={"criteria": sorted(key for key, value in criteria.items() if value)},
        )


def get_declaration(actor: User, declaration_id: object) -> Declaration:
    declaration = access.get_or_404(
        Declaration.objects.select_related("to_commune", "from_unit", "from_area", "person", "quarantine_order"),
        actor,
        "view",
        pk=declaration_id,
    )
    audit.record(actor, AuditAction.VIEW, "declaration", declaration.pk, detail={"person": declaration.person_id})
    return declaration


def my_declarations(actor: User) -> list[Declaration]:
    """A signed-in citizen's declarations: about them, or sent from their phone (their family's)."""
    if actor.role != "citizen" or actor.person_id is None:
        raise NotFound()
    person = Person.objects.filter(pk=actor.person_id).first()
    if person is None:
        raise NotFound()
    mine = models.Q(person_id=person.pk)
    if person.phone:
        mine |= models.Q(phone=person.phone)
    rows = list(
        Declaration.objects.filter(mine)
        .select_related("to_commune", "from_unit", "from_area")
        .order_by("-created_at")[:50]
    )
    if rows:
        audit.record(actor, AuditAction.LIST, "declaration", object_ids=[row.pk for row in rows], detail={"own": True})
    return rows


# --- Areas outside the province -------------------------------------------------------------------------------


def external_areas() -> list[ExternalArea]:
    return list(ExternalArea.objects.order_by("name"))


def set_area_level(actor: User, code: str, level: int) -> ExternalArea:
    """The province sets the level it applies to people coming from another province."""
    if not actor.is_superuser and actor.role != "province_admin":
        raise NotFound()
    if level not in (1, 2, 3, 4):
        raise InvalidInput(_("A level is 1 to 4."), [FieldError("level", _("A level is 1 to 4."))])
    with transaction.atomic():
        area = ExternalArea.objects.select_for_update().filter(code=code).first()
        if area is None:
            raise NotFound()
        area.level = level
        area.updated_at = timezone.now()
        area.updated_by = actor
        area.save(update_fields=["level", "updated_at", "updated_by"])
        audit.record(actor, AuditAction.UPDATE, "external_area", area.pk, detail={"level": level})
    return area
