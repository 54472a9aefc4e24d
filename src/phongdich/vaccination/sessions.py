"""Vaccination sites, session days, invitation lists, registration and on-site check-in.

Every read and write of sites, sessions, invitations and registrations goes through here. The dose given
at a session is recorded by :func:`phongdich.vaccination.services.record_vaccination`, so its rules
(product, dose order, minimum intervals) are the same as at any other entry point.

Capacity under concurrency: a registration locks the person row, then the session row
(``select_for_update``), counts the places taken and only then inserts. Every writer takes the locks in
that order (persons before sessions), so two writers cannot wait for each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.geo.models import AdministrativeUnit, Level
from phongdich.people.models import Person
from phongdich.vaccination import services
from phongdich.vaccination.models import (
    ACTIVE_REGISTRATION,
    FullCourseRule,
    Invitation,
    InvitationList,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
    SiteKind,
    Vaccination,
    VaccinationSession,
    VaccinationSite,
    VaccineProduct,
)

MAX_CAPACITY = 5000
MAX_INVITEES = 200_000
# Booster after a full primary course: the Ministry of Health's 3 months (Công văn 10696/BYT-DP, 2021),
# overridable per list in its criteria.
DEFAULT_BOOSTER_INTERVAL_DAYS = 90
# How a session may move on: planned → open → closed, or a planned session called off (closed).
TRANSITIONS = {
    SessionStatus.PLANNED: {SessionStatus.OPEN, SessionStatus.CLOSED},
    SessionStatus.OPEN: {SessionStatus.CLOSED},
    SessionStatus.CLOSED: set(),
}


def _require_permission(actor: User, resource: str, action: str) -> None:
    if not access.can(actor, resource, action):
        raise NotFound()


def _commune(code: object, errors: list[FieldError], actor: User) -> AdministrativeUnit | None:
    """A commune (ward, township) in the actor's units, by code."""
    text = clean_text(str(code or ""))
    if not text:
        errors.append(FieldError("commune", _("Choose the commune.")))
        return None
    unit = AdministrativeUnit.objects.filter(code=text, level=Level.COMMUNE).first()
    if unit is None or not access.unit_in_scope(actor, unit.path):
        errors.append(FieldError("commune", _("No commune of your area has the code %(code)s.") % {"code": text[:20]}))
        return None
    return unit


def _capacity(value: object, errors: list[FieldError], name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        errors.append(FieldError(name, _("The capacity is a number from 1 to %(max)s.") % {"max": MAX_CAPACITY}))
        return 0
    return value


# --- Sites -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteInput:
    name: str
    commune: str
    capacity_per_session: int
    address: str = ""
    kind: str = SiteKind.FIXED
    # Usernames of the vaccinators working at the site.
    vaccinators: list[str] = field(default_factory=list)


def _vaccinator_accounts(usernames: list[str], errors: list[FieldError]) -> list[User]:
    names = [clean_text(str(name)) for name in usernames if clean_text(str(name))]
    # No account name holds a NUL or runs past 150 characters; PostgreSQL would refuse the lookup itself.
    lookable = [name for name in names if "\x00" not in name and len(name) <= 150]
    found = {user.username: user for user in User.objects.filter(username__in=lookable, is_active=True)}
    accounts = []
    for name in names:
        user = found.get(name)
        if user is None or user.role not in (Role.VACCINATOR, Role.COMMUNE_OFFICER, Role.DISTRICT_OFFICER):
            errors.append(FieldError("vaccinators", _("%(name)s is not a vaccinator's account.") % {"name": name[:40]}))
        else:
            accounts.append(user)
    return accounts


def create_site(actor: User, data: SiteInput) -> VaccinationSite:
    _require_permission(actor, "vaccination_site", "add")
    errors: list[FieldError] = []
    name = clean_text(data.name or "")
    if not name:
        errors.append(FieldError("name", _("Enter the site's name.")))
    elif len(name) > 200:
        errors.append(FieldError("name", _("A site name has at most 200 characters.")))
    commune = _commune(data.commune, errors, actor)
    address = clean_text(data.address or "")
    if len(address) > 255:
        errors.append(FieldError("address", _("An address has at most 255 characters.")))
    if data.kind not in SiteKind.values:
        errors.append(FieldError("kind", _("A site is fixed or a mobile team.")))
    capacity = _capacity(data.capacity_per_session, errors, "capacity_per_session")
    vaccinators = _vaccinator_accounts(list(data.vaccinators or []), errors)
    if errors:
        raise InvalidInput(_("The vaccination site has errors."), errors)
    assert commune is not None
    with transaction.atomic():
        site = VaccinationSite.objects.create(
            name=name,
            commune=commune,
            address=address,
            kind=data.kind,
            capacity_per_session=capacity,
            created_by=actor,
        )
        site.vaccinators.set(vaccinators)
        audit.record(actor, AuditAction.CREATE, "vaccination_site", site.pk, detail={"commune": site.commune.code})
    return site


@dataclass(frozen=True)
class SitePatch:
    """What to change on a site; None leaves a field as it is. ``active=False`` takes it out of use."""

    name: str | None = None
    address: str | None = None
    kind: str | None = None
    capacity_per_session: int | None = None
    vaccinators: list[str] | None = None
    active: bool | None = None


def update_site(actor: User, site_id: object, data: SitePatch) -> VaccinationSite:
    # Those who open sites run them; vaccinators (change only) open and close the sessions.
    _require_permission(actor, "vaccination_site", "add")
    with transaction.atomic():
        site = access.get_or_404(
            VaccinationSite.objects.select_for_update(of=("self",)).select_related("commune"),
            actor,
            "change",
            pk=site_id,
        )
        errors: list[FieldError] = []
        changed: list[str] = []
        if data.name is not None:
            name = clean_text(data.name)
            if not name or len(name) > 200:
                errors.append(FieldError("name", _("Enter the site's name (at most 200 characters).")))
            site.name = name
            changed.append("name")
        if data.address is not None:
            address = clean_text(data.address)
            if len(address) > 255:
                errors.append(FieldError("address", _("An address has at most 255 characters.")))
            site.address = address
            changed.append("address")
        if data.kind is not None:
            if data.kind not in SiteKind.values:
                errors.append(FieldError("kind", _("A site is fixed or a mobile team.")))
            site.kind = data.kind
            changed.append("kind")
        if data.capacity_per_session is not None:
            site.capacity_per_session = _capacity(data.capacity_per_session, errors, "capacity_per_session")
            changed.append("capacity_per_session")
        if data.active is not None:
            site.active = bool(data.active)
            changed.append("active")
        vaccinators = _vaccinator_accounts(data.vaccinators, errors) if data.vaccinators is not None else None
        if errors:
            raise InvalidInput(_("The vaccination site has errors."), errors)
        site.save(update_fields=changed or None)
        if vaccinators is not None:
            site.vaccinators.set(vaccinators)
            changed.append("vaccinators")
        audit.record(actor, AuditAction.UPDATE, "vaccination_site", site.pk, detail={"fields": sorted(changed)})
    return site


def get_site(actor: User, site_id: object, action: str = "view") -> VaccinationSite:
    _require_permission(actor, "vaccination_site", action)
    return access.get_or_404(VaccinationSite.objects.select_related("commune"), actor, action, pk=site_id)


def search_sites(actor: User, commune: str = "") -> models.QuerySet[VaccinationSite]:
    found = access.restrict(VaccinationSite.objects.select_related("commune"), actor, "view")
    if commune:
        found = found.filter(commune__code=commune)
    return found


# --- Sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInput:
    site: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    # None: the site's capacity per session.
    capacity: int | None = None
    # Product codes, names or aliases; empty: any product.
    products: list[str] = field(default_factory=list)


def create_session(actor: User, data: SessionInput) -> VaccinationSession:
    _require_permission(actor, "vaccination_site", "add")
    site = access.get_or_404(VaccinationSite.objects.all(), actor, "add", pk=data.site)
    errors: list[FieldError] = []
    if not site.active:
        errors.append(FieldError("site", _("This site is no longer in use.")))
    if not isinstance(data.date, dt.date):
        errors.append(FieldError("date", _("Enter the date as YYYY-MM-DD.")))
    elif data.date < timezone.localdate():
        errors.append(FieldError("date", _("A session cannot be planned in the past.")))
    if not isinstance(data.start_time, dt.time) or not isinstance(data.end_time, dt.time):
        errors.append(FieldError("start_time", _("Enter the times as HH:MM.")))
    elif data.start_time.tzinfo is not None or data.end_time.tzinfo is not None:
        # A session runs on the site's wall clock: an offset would be stored nowhere and mean nothing.
        name = "start_time" if data.start_time.tzinfo is not None else "end_time"
        errors.append(FieldError(name, _("Enter the local time as HH:MM, without a time zone.")))
    elif data.end_time <= data.start_time:
        errors.append(FieldError("end_time", _("The session ends after it starts.")))
    capacity = site.capacity_per_session if data.capacity is None else _capacity(data.capacity, errors, "capacity")
    offered: list[VaccineProduct] = []
    for text in data.products or []:
        product = services.find_product(text)
        if product is None:
            errors.append(FieldError("products", _("No vaccine is called %(name)s.") % {"name": str(text)[:60]}))
        elif product not in offered:
            offered.append(product)
    if errors:
        raise InvalidInput(_("The session has errors."), errors)
    with transaction.atomic():
        session = VaccinationSession.objects.create(
            site=site,
            date=data.date,
            start_time=data.start_time,
            end_time=data.end_time,
            capacity=capacity,
            created_by=actor,
        )
        session.products.set(offered)
        audit.record(actor, AuditAction.CREATE, "vaccination_session", session.pk, detail={"site": site.pk})
    return session


def get_session(actor: User, session_id: object, action: str = "view") -> VaccinationSession:
    _require_permission(actor, "vaccination_site", action)
    return access.get_or_404(
        VaccinationSession.objects.select_related("site", "site__commune"), actor, action, pk=session_id
    )


def search_sessions(
    actor: User, site: int | None = None, date_from: dt.date | None = None, status: str = ""
) -> models.QuerySet[VaccinationSession]:
    found = access.restrict(VaccinationSession.objects.select_related("site", "site__commune"), actor, "view")
    if site is not None:
        found = found.filter(site_id=site)
    if date_from is not None:
        found = found.filter(date__gte=date_from)
    if status:
        found = found.filter(status=status)
    return with_taken(found)


def with_taken(sessions: models.QuerySet[VaccinationSession]) -> models.QuerySet[VaccinationSession]:
    """Sessions annotated with ``taken``: the places held by active registrations."""
    return sessions.annotate(
        taken=Count("registrations", filter=models.Q(registrations__status__in=ACTIVE_REGISTRATION))
    )


def taken_places(session: VaccinationSession) -> int:
    return Registration.objects.filter(session=session, status__in=ACTIVE_REGISTRATION).count()


def set_session_status(actor: User, session_id: object, status: str) -> VaccinationSession:
    """Open or close a session. Closing it cancels the places of those who never came."""
    _require_permission(actor, "vaccination_site", "change")
    with transaction.atomic():
        session = access.get_or_404(
            VaccinationSession.objects.select_for_update(of=("self",)).select_related("site"),
            actor,
            "change",
            pk=session_id,
        )
        if status not in SessionStatus.values:
            raise InvalidInput(_("The session has errors."), [FieldError("status", _("Unknown status."))])
        if status not in TRANSITIONS[SessionStatus(session.status)]:
            raise Conflict(
                _("A %(current)s session cannot become %(new)s.")
                % {"current": session.get_status_display(), "new": SessionStatus(status).label},
                [FieldError("status", _("Not allowed from the current status."))],
            )
        previous = session.status
        session.status = status
        session.save(update_fields=["status"])
        cancelled = 0
        if status == SessionStatus.CLOSED:
            cancelled = Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED).update(
                status=RegistrationStatus.CANCELLED
            )
        audit.record(
            actor,
            AuditAction.UPDATE,
            "vaccination_session",
            session.pk,
            detail={"from": previous, "to": status, "cancelled": cancelled},
        )
    return session


# --- Invitation lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """Who is invited. Every given condition must hold; kept with the list as JSON."""

    min_age: int | None = None
    max_age: int | None = None
    # The date ages are counted at (default: the day the list is built).
    as_of: dt.date | None = None
    # Only those whose next dose is this one (1: never vaccinated; 3: first booster after two doses …).
    next_dose: int | None = None
    # Only those whose next dose is due by this date by the interval rules (overdue ones included).
    due_by: dt.date | None = None
    booster_interval_days: int = DEFAULT_BOOSTER_INTERVAL_DAYS

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if value is not None:
                data[key] = value.isoformat() if isinstance(value, dt.date) else value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Criteria:
        """Criteria from stored or sent JSON; raises InvalidInput naming each bad key."""
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        for key in ("min_age", "max_age", "next_dose", "booster_interval_days"):
            value: Any = data.get(key)
            if value is None or value == "":
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                errors.append(FieldError(key, _("Enter a whole number.")))
                continue
            limits = {"next_dose": (1, services.MAX_DOSES), "booster_interval_days": (0, 3650)}.get(key, (0, 130))
            if not limits[0] <= number <= limits[1]:
                errors.append(
                    FieldError(
                        key, _("Enter a number from %(low)s to %(high)s.") % {"low": limits[0], "high": limits[1]}
                    )
                )
                continue
            values[key] = number
        for key in ("as_of", "due_by"):
            value = data.get(key)
            if value in (None, ""):
                continue
            if isinstance(value, dt.date):
                values[key] = value
            else:
                try:
                    values[key] = dt.date.fromisoformat(str(value))
                except ValueError:
                    errors.append(FieldError(key, _("Enter the date as YYYY-MM-DD.")))
                    continue
            # Ages are counted back from it: a date centuries away is a typing error, not a campaign.
            if not _EARLIEST_CRITERIA_DATE <= values[key] <= _LATEST_CRITERIA_DATE:
                del values[key]
                errors.append(FieldError(key, _("Enter a date between 2000 and 2100.")))
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        for key in unknown:
            errors.append(FieldError(str(key)[:40], _("Unknown criterion.")))
        if "min_age" in values and "max_age" in values and values["min_age"] > values["max_age"]:
            errors.append(FieldError("max_age", _("The highest age is at least the lowest.")))
        if errors:
            raise InvalidInput(_("The invitation criteria have errors."), errors)
        if not any(key in values for key in ("min_age", "max_age", "next_dose", "due_by")):
            raise InvalidInput(
                _("The invitation criteria have errors."),
                [FieldError("min_age", _("Give an age band, the next dose or a due date."))],
            )
        return cls(**values)


@dataclass(frozen=True)
class Eligible:
    person_id: int
    next_dose: int
    due_date: dt.date | None


_EARLIEST_CRITERIA_DATE = dt.date(2000, 1, 1)
_LATEST_CRITERIA_DATE = dt.date(2100, 12, 31)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def eligible_persons(unit: AdministrativeUnit, criteria: Criteria) -> list[Eligible]:
    """The persons living in ``unit`` who meet the criteria, with the dose they are invited for.

    The next dose is due ``min_interval_days`` (the rule of the first dose's product) after the last one
    while the primary course is incomplete, and ``booster_interval_days`` after it once complete.
    """
    as_of = criteria.as_of or timezone.localdate()
    persons = Person.objects.filter(home_commune__path__startswith=unit.path)
    if criteria.min_age is not None:
        persons = persons.filter(date_of_birth__lte=_years_before(as_of, criteria.min_age))
    if criteria.max_age is not None:
        persons = persons.filter(date_of_birth__gt=_years_before(as_of, criteria.max_age + 1))
    first_product = Vaccination.objects.filter(person=OuterRef("pk"), dose_number=1).values("product_id")[:1]
    annotated = persons.annotate(
        doses=Count("vaccinations"), last_date=Max("vaccinations__date"), first_product=Subquery(first_product)
    )
    if criteria.next_dose is not None:
        annotated = annotated.filter(doses=criteria.next_dose - 1)
    else:
        annotated = annotated.filter(doses__lt=services.MAX_DOSES)
    rules = {rule.product_id: rule for rule in FullCourseRule.objects.all()}
    found = []
    rows = annotated.order_by("pk").values_list("pk", "doses", "last_date", "first_product")
    for person_id, doses, last_date, product_id in rows.iterator(chunk_size=5000):
        due: dt.date | None = None
        if doses:
            rule = rules.get(product_id)
            needed, gap = (rule.doses, rule.min_interval_days) if rule else (2, 0)
            days = gap if doses < needed else criteria.booster_interval_days
            due = last_date + dt.timedelta(days=days)
        if criteria.due_by is not None and due is not None and due > criteria.due_by:
            continue
        found.append(Eligible(person_id, doses + 1, due))
    return found


def build_invitation_list(actor: User, name: str, unit_code: str, criteria: dict[str, Any]) -> InvitationList:
    """Find who meets the criteria in the area and store them as a list. Raises InvalidInput."""
    _require_permission(actor, "vaccination_invitation", "add")
    errors: list[FieldError] = []
    title = clean_text(name or "")
    if not title:
        errors.append(FieldError("name", _("Name the list.")))
    elif len(title) > 200:
        errors.append(FieldError("name", _("A name has at most 200 characters.")))
    code = clean_text(str(unit_code or ""))
    unit = AdministrativeUnit.objects.filter(code=code).first() if code else None
    if unit is None or not access.unit_in_scope(actor, unit.path):
        errors.append(FieldError("unit", _("Choose a unit of your area.")))
    try:
        parsed = Criteria.from_json(criteria if isinstance(criteria, dict) else {})
    except InvalidInput as error:
        errors.extend(error.errors)
        parsed = None
    if errors:
        raise InvalidInput(_("The invitation list has errors."), errors)
    assert unit is not None and parsed is not None
    if parsed.as_of is None:
        parsed = Criteria(**{**parsed.__dict__, "as_of": timezone.localdate()})
    eligible = eligible_persons(unit, parsed)
    if len(eligible) > MAX_INVITEES:
        raise InvalidInput(
            _("The invitation list has errors."),
            [
                FieldError(
                    "unit",
                    _("More than %(max)s people match: narrow the area or the criteria.") % {"max": MAX_INVITEES},
                )
            ],
        )
    with transaction.atomic():
        invitation_list = InvitationList.objects.create(
            name=title, unit=unit, criteria=parsed.as_json(), invitee_count=len(eligible), created_by=actor
        )
        Invitation.objects.bulk_create(
            (
                Invitation(
                    invitation_list=invitation_list, person_id=e.person_id, dose_number=e.next_dose, due_date=e.due_date
                )
                for e in eligible
            ),
            batch_size=2000,
        )
        audit.record(
            actor,
            AuditAction.GENERATE,
            "vaccination_invitation_list",
            invitation_list.pk,
            detail={"unit": unit.code, "invitees": len(eligible)},
        )
    return invitation_list


def get_invitation_list(actor: User, list_id: object) -> InvitationList:
    _require_permission(actor, "vaccination_invitation", "view")
    return access.get_or_404(InvitationList.objects.select_related("unit"), actor, "view", pk=list_id)


def search_invitation_lists(actor: User) -> models.QuerySet[InvitationList]:
    return access.restrict(InvitationList.objects.select_related("unit"), actor, "view")


def invitees(actor: User, invitation_list: InvitationList) -> models.QuerySet[Invitation]:
    """The invitations of a list the actor may see, with each one's active registration (if any)."""
    active = Registration.objects.filter(invitation=OuterRef("pk"), status__in=ACTIVE_REGISTRATION)
    return access.restrict(
        Invitation.objects.filter(invitation_list=invitation_list)
        .select_related("person")
        .annotate(session_id=Subquery(active.values("session_id")[:1]))
        .order_by("due_date", "pk"),
        actor,
        "view",
    )


def record_invitation_read(actor: User, rows: list[Invitation]) -> None:
    if rows:
        audit.record(actor, AuditAction.LIST, "vaccination_invitation", object_ids=[row.pk for row in rows])


@dataclass
class AssignResult:
    assigned: int = 0
    # Invitees already holding a place (in any session still to come) are left as they are.
    already_registered: int = 0
    # Invitees for whom no session had room.
    left_over: int = 0
    by_session: dict[int, int] = field(default_factory=dict)


def assign_invitees(actor: User, list_id: object, session_ids: list[int]) -> AssignResult:
    """Give the list's invitees places in the sessions, in order of due date, each session up to capacity."""
    _require_permission(actor, "vaccination_registration", "add")
    invitation_list = get_invitation_list(actor, list_id)
    if not session_ids:
        raise InvalidInput(_("Choose the sessions."), [FieldError("sessions", _("Choose at least one session."))])
    result = AssignResult()
    with transaction.atomic():
        rows = list(
            access.restrict(
                Invitation.objects.filter(invitation_list=invitation_list).order_by("due_date", "pk"), actor, "view"
            )
        )
        # Lock order: persons, then sessions (see the module's docstring).
        person_ids = sorted({row.person_id for row in rows})
        list(Person.objects.select_for_update().filter(pk__in=person_ids).values_list("pk", flat=True))
        sessions = list(
            access.restrict(
                VaccinationSession.objects.select_for_update(of=("self",)).filter(pk__in=session_ids).order_by("pk"),
                actor,
                "view",
            )
        )
        if len(sessions) != len(set(session_ids)):
            raise NotFound()
        for session in sessions:
            _check_session_takes_places(session)
        holding = set(_people_holding_places(person_ids))
        holding |= set(
            Registration.objects.filter(
                session__in=sessions, person_id__in=person_ids, status__in=ACTIVE_REGISTRATION
            ).values_list("person_id", flat=True)
        )
        room = {session.pk: session.capacity - taken_places(session) for session in sessions}
        new: list[Registration] = []
        queue = iter(sessions)
        current = next(queue, None)
        for row in rows:
            if row.person_id in holding:
                result.already_registered += 1
                continue
            while current is not None and room[current.pk] <= 0:
                current = next(queue, None)
            if current is None:
                result.left_over += 1
                continue
            new.append(
                Registration(
                    session=current,
                    person_id=row.person_id,
                    invitation=row,
                    source=RegistrationSource.INVITATION,
                    registered_by=actor,
                )
            )
            holding.add(row.person_id)
            room[current.pk] -= 1
            result.by_session[current.pk] = result.by_session.get(current.pk, 0) + 1
        Registration.objects.bulk_create(new, batch_size=2000)
        result.assigned = len(new)
        audit.record(
            actor,
            AuditAction.CREATE,
            "vaccination_registration",
            detail={"invitation_list": invitation_list.pk, "assigned": result.assigned, "sessions": sorted(room)},
        )
    return result


# --- Registration and check-in ---------------------------------------------------------------------


def _check_session_takes_places(session: VaccinationSession) -> None:
    if session.status == SessionStatus.CLOSED:
        raise Conflict(_("This session is closed."), [FieldError("session", _("This session is closed."))])
    if session.date < timezone.localdate():
        raise Conflict(_("This session is over."), [FieldError("session", _("This session is over."))])


def _people_holding_places(person_ids: list[int]) -> list[int]:
    """Those with a place in a session still to come (a person holds one place at a time)."""
    return list(
        Registration.objects.filter(
            person_id__in=person_ids,
            status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.ARRIVED),
            session__date__gte=timezone.localdate(),
        )
        .exclude(session__status=SessionStatus.CLOSED)
        .values_list("person_id", flat=True)
    )


def _session_for_citizen(actor: User, session_id: object) -> VaccinationSession:
    """Citizens may take a place in any coming session at a site in use in their home district."""
    person = actor.person
    if person is None:
        raise NotFound()
    district = person.home_commune.path.rsplit("/", 2)[0] + "/"
    try:
        return VaccinationSession.objects.select_related("site").get(
            pk=session_id,  # type: ignore[misc]
            site__active=True,
            site__commune__path__startswith=district,
        )
    except (VaccinationSession.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def register(actor: User, session_id: object, person_id: object | None = None, walk_in: bool = False) -> Registration:
    """Give a person a place in a session, up to its capacity, once.

    Officers and vaccinators register a person of their area (``walk_in`` for someone who came without
    an appointment); a citizen registers themself (``person_id`` is ignored).
    """
    _require_permission(actor, "vaccination_registration", "add")
    is_citizen = actor.role == Role.CITIZEN and not actor.is_superuser
    if is_citizen:
        if actor.person_id is None:
            raise NotFound()
        person_id = actor.person_id
    if isinstance(session_id, int) and not 0 < session_id < 2**63:
        raise NotFound()
    with transaction.atomic():
        if is_citizen:
            person = (
                Person.objects.select_for_update(of=("self",)).select_related("home_commune").get(pk=actor.person_id)  # type: ignore[misc]
            )
            session = _session_for_citizen(actor, session_id)
        else:
            person = access.get_or_404(Person.objects.select_for_update(of=("self",)), actor, "view", pk=person_id)
            session = access.get_or_404(VaccinationSession.objects.select_related("site"), actor, "view", pk=session_id)
        # Lock the session only now: persons before sessions, always.
        session = VaccinationSession.objects.select_for_update().select_related("site").get(pk=session.pk)
        _check_session_takes_places(session)
        if Registration.objects.filter(session=session, person=person, status__in=ACTIVE_REGISTRATION).exists():
            raise Conflict(
                _("This person is already registered for this session."),
                [FieldError("person", _("Already registered for this session."))],
            )
        if _people_holding_places([person.pk]):
            raise Conflict(
                _("This person already has a place in another session: cancel it first."),
                [FieldError("person", _("Already registered for another session."))],
            )
        if taken_places(session) >= session.capacity:
            raise Conflict(
                _("This session is full."),
                [FieldError("session", _("All %(n)s places are taken.") % {"n": session.capacity})],
            )
        invitation = (
            Invitation.objects.filter(person=person, registrations__isnull=True).order_by("-invitation_list_id").first()
        )
        if is_citizen:
            source = RegistrationSource.CITIZEN
        elif walk_in:
            source = RegistrationSource.WALK_IN
        else:
            source = RegistrationSource.OFFICER
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    session=session, person=person, invitation=invitation, source=source, registered_by=actor
                )
        except IntegrityError:
            raise Conflict(
                _("This person is already registered for this session."),
                [FieldError("person", _("Already registered for this session."))],
            ) from None
        audit.record(
            actor,
            AuditAction.CREATE,
            "vaccination_registration",
            registration.pk,
            detail={"person": person.pk, "session": session.pk, "source": source},
        )
    return registration


def _locked_registration(actor: User, registration_id: object) -> Registration:
    return access.get_or_404(
        Registration.objects.select_for_update(of=("self",)).select_related(
            "session", "session__site", "person", "vaccination"
        ),
        actor,
        "change",
        pk=registration_id,
    )


def cancel_registration(actor: User, registration_id: object) -> Registration:
    """Give the place back. Only a place not yet used (registered) can be cancelled."""
    _require_permission(actor, "vaccination_registration", "change")
    with transaction.atomic():
        registration = _locked_registration(actor, registration_id)
        if registration.status != RegistrationStatus.REGISTERED:
            raise Conflict(
                _("Only a place not yet used can be cancelled."),
                [FieldError("status", _("The person has already arrived or the place is cancelled."))],
            )
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
        audit.record(actor, AuditAction.UPDATE, "vaccination_registration", registration.pk, detail={"to": "cancelled"})
    return registration


def _check_on_site(actor: User, registration: Registration) -> None:
    if actor.role == Role.CITIZEN and not actor.is_superuser:
        # Citizens register and cancel; the site checks them in.
        raise NotFound()
    session = registration.session
    if session.status != SessionStatus.OPEN:
        raise Conflict(_("The session is not open."), [FieldError("session", _("Open the session first."))])
    if session.date != timezone.localdate():
        raise Conflict(_("The session is not today."), [FieldError("session", _("The session is not today."))])


def check_in(actor: User, registration_id: object) -> Registration:
    """The vaccinator marks the person arrived at the site."""
    _require_permission(actor, "vaccination_registration", "change")
    with transaction.atomic():
        registration = _locked_registration(actor, registration_id)
        _check_on_site(actor, registration)
        if registration.status != RegistrationStatus.REGISTERED:
            raise Conflict(
                _("This person is not waiting to be checked in."),
                [FieldError("status", registration.get_status_display())],
            )
        registration.status = RegistrationStatus.ARRIVED
        registration.arrived_at = timezone.now()
        registration.checked_in_by = actor
        registration.save(update_fields=["status", "arrived_at", "checked_in_by"])
        audit.record(actor, AuditAction.UPDATE, "vaccination_registration", registration.pk, detail={"to": "arrived"})
    return registration


@dataclass(frozen=True)
class SessionDoseInput:
    product: str
    lot: str = ""
    # None: the person's next dose.
    dose_number: int | None = None


def record_session_dose(actor: User, registration_id: object, data: SessionDoseInput) -> Registration:
    """Record the dose given to an arrived person, through the ordinary vaccination record service."""
    _require_permission(actor, "vaccination_registration", "change")
    with transaction.atomic():
        registration = _locked_registration(actor, registration_id)
        _check_on_site(actor, registration)
        if registration.status != RegistrationStatus.ARRIVED:
            raise Conflict(
                _("Check the person in before recording the dose."),
                [FieldError("status", registration.get_status_display())],
            )
        session = registration.session
        offered = list(session.products.all())
        product = services.find_product(data.product)
        if offered and product is not None and product not in offered:
            raise InvalidInput(
                _("The vaccination record has errors."),
                [FieldError("product", _("This session does not offer %(name)s.") % {"name": product.name})],
            )
        dose_number = data.dose_number
        if dose_number is None:
            dose_number = Vaccination.objects.filter(person=registration.person).count() + 1
        vaccination = services.record_vaccination(
            actor,
            services.VaccinationInput(
                person=registration.person_id,
                dose_number=dose_number,
                product=data.product,
                date=session.date,
                lot=data.lot,
                site=session.site.name[:200],
            ),
        )
        registration.status = RegistrationStatus.VACCINATED
        registration.vaccination = vaccination
        registration.save(update_fields=["status", "vaccination"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            "vaccination_registration",
            registration.pk,
            detail={"to": "vaccinated", "vaccination": vaccination.pk},
        )
    return registration


def session_registrations(actor: User, session: VaccinationSession) -> list[Registration]:
    """The session's registrations the actor may see (audited)."""
    rows = list(
        access.restrict(
            Registration.objects.filter(session=session)
            .select_related("person", "vaccination", "vaccination__product")
            .order_by("person__full_name", "pk"),
            actor,
            "view",
        )
    )
    if rows:
        audit.record(
            actor,
            AuditAction.LIST,
            "vaccination_registration",
            object_ids=[row.pk for row in rows],
            detail={"session": session.pk},
        )
    return rows


def get_registration(actor: User, registration_id: object) -> Registration:
    _require_permission(actor, "vaccination_registration", "view")
    registration = access.get_or_404(
        Registration.objects.select_related("session", "session__site", "person", "vaccination"),
        actor,
        "view",
        pk=registration_id,
    )
    audit.record(actor, AuditAction.VIEW, "vaccination_registration", registration.pk)
    return registration


# --- The citizen's own page ------------------------------------------------------------------------


def my_registrations(actor: User) -> list[Registration]:
    """The places of the citizen's own record (for staff: none; they read a session's list)."""
    if actor.role != Role.CITIZEN or actor.person_id is None:
        return []
    rows = list(
        access.restrict(
            Registration.objects.select_related("session", "session__site", "person").order_by("-session__date", "-pk"),
            actor,
            "view",
        )[:50]
    )
    if rows:
        audit.record(actor, AuditAction.LIST, "vaccination_registration", object_ids=[row.pk for row in rows])
    return rows


def my_invitations(actor: User) -> list[Invitation]:
    return list(
        access.restrict(
            Invitation.objects.select_related("invitation_list").order_by("-invitation_list_id"), actor, "view"
        )[:20]
    )


def sessions_open_to_citizen(actor: User) -> list[VaccinationSession]:
    """Coming sessions at the sites in use in the citizen's home district, with their places taken."""
    person = actor.person if actor.role == Role.CITIZEN else None
    if person is None:
        return []
    district = person.home_commune.path.rsplit("/", 2)[0] + "/"
    found = VaccinationSession.objects.select_related("site", "site__commune").filter(
        site__active=True,
        site__commune__path__startswith=district,
        date__gte=timezone.localdate(),
        status__in=(SessionStatus.PLANNED, SessionStatus.OPEN),
    )
    coming = list(with_taken(found).order_by("date", "start_time", "pk")[:50])
    for session in coming:
        session.places_left = max(0, session.capacity - session.taken)  # type: ignore[attr-defined]
    return coming
