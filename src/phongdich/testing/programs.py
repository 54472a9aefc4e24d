"""Periodic testing programs: the province sets them, communes and establishments enrol people, and every
sample recorded keeps each member's "last tested" and "next due" dates, so the lists of who is due and
who is overdue are plain indexed queries.

A member is due on the day their next test falls (on enrolment, at once, unless they were tested within
the interval before), and overdue from the day after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.audit import services as audit
from phongdich.audit.models import AuditAction
from phongdich.core import access
from phongdich.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from phongdich.core.text import clean_text
from phongdich.people.models import Person
from phongdich.testing.models import ProgramMember, Sample, TestingProgram, TestType
from phongdich.venues.models import Venue, VenueKind

MAX_INTERVAL_DAYS = 365


class Compliance:
    OK = "ok"
    DUE = "due"
    OVERDUE = "overdue"
    ENDED = "ended"


@dataclass(frozen=True)
class ProgramInput:
    name: str
    interval_days: int
    valid_from: dt.date
    valid_until: dt.date | None = None
    test_types: tuple[str, ...] = (TestType.RT_PCR, TestType.ANTIGEN)
    venue_kinds: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EnrolInput:
    """A person by id (staff who may see them), or by citizen ID and date of birth (an establishment
    enrolling its workers: both must match the registry)."""

    program: int
    person: int | None = None
    citizen_id: str = ""
    date_of_birth: dt.date | None = None
    venue: str = ""  # venue code
    enrolled_on: dt.date | None = None


def _missing(field_name: str, message: str) -> DomainError:
    return DomainError(detail=_("Not found."), errors=[FieldError(field_name, message)], status=404)


def compliance(member: ProgramMember, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if member.ended_on is not None and member.ended_on <= today:
        return Compliance.ENDED
    if member.next_due_on > today:
        return Compliance.OK
    return Compliance.DUE if member.next_due_on == today else Compliance.OVERDUE


def create_program(actor: User, data: ProgramInput) -> TestingProgram:
    if not access.can(actor, "testing_program", "add"):
        raise NotFound()
    errors: list[FieldError] = []
    name = clean_text(data.name or "")
    if not name or len(name) > 200:
        errors.append(FieldError("name", _("Give the program a name of at most 200 characters.")))
    if not isinstance(data.interval_days, int) or not 1 <= data.interval_days <= MAX_INTERVAL_DAYS:
        errors.append(FieldError("interval_days", _("Every 1 to 365 days.")))
    if data.valid_until is not None and data.valid_until < data.valid_from:
        errors.append(FieldError("valid_until", _("The end is before the start.")))
    types = list(dict.fromkeys(data.test_types))
    if not types or any(t not in TestType.values for t in types):
        errors.append(FieldError("test_types", _("Choose among rt_pcr, antigen and self_test.")))
    kinds = list(dict.fromkeys(data.venue_kinds))
    if any(k not in VenueKind.values for k in kinds):
        errors.append(FieldError("venue_kinds", _("Unknown venue type.")))
    if errors:
        raise InvalidInput(_("The program has errors."), errors)
    with transaction.atomic():
        program = TestingProgram.objects.create(
            name=name,
            interval_days=data.interval_days,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            test_types=types,
            venue_kinds=kinds,
            created_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, "testing_program", program.pk)
    return program


def programs_in_force(on: dt.date | None = None) -> models.QuerySet[TestingProgram]:
    on = on or timezone.localdate()
    return TestingProgram.objects.filter(valid_from__lte=on).filter(
        models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on)
    )


def _person(actor: User, data: EnrolInput) -> Person:
    if actor.role == Role.VENUE_OPERATOR and not actor.is_superuser:
        # Operators do not see the registry: they name their worker by citizen ID and date of birth.
        key = "".join((data.citizen_id or "").split())
        found = (
            Person.objects.select_related("home_commune")
            .filter(citizen_id=key, date_of_birth=data.date_of_birth)
            .first()
            if key and data.date_of_birth
            else None
        )
        if found is None:
            raise _missing("citizen_id", _("No registered person has this citizen ID and date of birth."))
        return found
    people = access.restrict(Person.objects.select_related("home_commune"), actor, "view")
    if data.person is not None:
        found = people.filter(pk=data.person).first() if 0 < data.person < 2**63 else None
    else:
        key = "".join((data.citizen_id or "").split())
        found = people.filter(citizen_id=key).first() if key else None
    if found is None:
        raise _missing("person", _("No person with this id in your area."))
    return found


def _last_test(person: Person, program: TestingProgram, since: dt.date) -> dt.date | None:
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    latest = (
        Sample.objects.filter(person=person, test_type__in=program.test_types, taken_at__gte=start)
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )
    return timezone.localtime(latest).date() if latest else None


def enrol(actor: User, data: EnrolInput) -> ProgramMember:
    if not access.can(actor, "program_member", "add"):
        raise NotFound()
    with transaction.atomic():
        program = TestingProgram.objects.filter(pk=data.program).first() if 0 < data.program < 2**63 else None
        if program is None:
            raise _missing("program", _("No testing program has this id."))
        person = _person(actor, data)
        errors: list[FieldError] = []
        today = timezone.localdate()
        enrolled_on = data.enrolled_on or today
        if enrolled_on > today:
            errors.append(FieldError("enrolled_on", _("The date is in the future.")))
        elif not programs_in_force(enrolled_on).filter(pk=program.pk).exists():
            errors.append(FieldError("program", _("The program is not in force on this date.")))
        venue = None
        if data.venue:
            venue = (
                access.restrict(Venue.objects.select_related("commune"), actor, "view")
                .filter(code=clean_text(data.venue).upper())
                .first()
            )
            if venue is None:
                raise _missing("venue", _("No venue with this code in your area."))
            if program.venue_kinds and venue.kind not in program.venue_kinds:
                errors.append(FieldError("venue", _("This program does not cover venues of this type.")))
        elif program.venue_kinds:
            errors.append(FieldError("venue", _("This program is for workers of establishments: give the venue.")))
        elif actor.role == Role.VENUE_OPERATOR:
            errors.append(FieldError("venue", _("Give the code of your venue.")))
        commune = venue.commune if venue else person.home_commune
        if venue is None and not access.unit_in_scope(actor, commune.path):
            errors.append(FieldError("person", _("This person lives outside your area.")))
        if errors:
            raise InvalidInput(_("The enrolment has errors."), errors)
        since = max(enrolled_on, dt.date(2, 12, 31)) - dt.timedelta(days=program.interval_days - 1)
        last = _last_test(person, program, since)
        try:
            with transaction.atomic():
                member = ProgramMember.objects.create(
                    program=program,
                    person=person,
                    venue=venue,
                    commune=commune,
                    enrolled_on=enrolled_on,
                    last_tested_on=last,
                    next_due_on=last + dt.timedelta(days=program.interval_days) if last else enrolled_on,
                    enrolled_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                _("This person is already in the program."),
                [FieldError("person", _("Already in the program."))],
            ) from None
        audit.record(actor, AuditAction.CREATE, "program_member", member.pk, detail={"person": person.pk})
    return member


def end_membership(actor: User, member_id: object, on: dt.date | None = None) -> ProgramMember:
    if not access.can(actor, "program_member", "change"):
        raise NotFound()
    with transaction.atomic():
        member = access.get_or_404(ProgramMember.objects.select_for_update(of=("self",)), actor, "change", pk=member_id)
        if member.ended_on is not None:
            raise Conflict(_("This person already left the program."), [FieldError("member", _("Already ended."))])
        member.ended_on = on or timezone.localdate()
        if member.ended_on < member.enrolled_on:
            raise InvalidInput(_("The request has errors."), [FieldError("ended_on", _("Before the enrolment."))])
        member.save(update_fields=["ended_on"])
        audit.record(actor, AuditAction.UPDATE, "program_member", member.pk, detail={"ended": True})
    return member


def note_sample(sample: Sample) -> int:
    """A sample counts for the person's programs that accept its test type: their dates move on.
    Called inside the transaction that records the sample. Returns the memberships updated."""
    day = timezone.localtime(sample.taken_at).date()
    updated = 0
    memberships = ProgramMember.objects.filter(person_id=sample.person_id, ended_on__isnull=True).select_related(
        "program"
    )
    for member in memberships:
        if sample.test_type not in member.program.test_types:
            continue
        if member.last_tested_on is not None and member.last_tested_on >= day:
            continue
        member.last_tested_on = day
        member.next_due_on = max(member.next_due_on, day + dt.timedelta(days=member.program.interval_days))
        member.save(update_fields=["last_tested_on", "next_due_on"])
        updated += 1
    return updated


def search_members(
    actor: User, *, venue: str = "", program: int | None = None, status: str = "", today: dt.date | None = None
) -> models.QuerySet[ProgramMember]:
    """Current members the actor may see; ``status``: due (due today or overdue), overdue, or ok."""
    today = today or timezone.localdate()
    members = access.restrict(
        ProgramMember.objects.select_related("person", "program", "venue", "commune").filter(
            models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=today)
        ),
        actor,
        "view",
    )
    if venue:
        members = members.filter(venue__code=clean_text(venue).upper())
    if program is not None:
        members = members.filter(program_id=program)
    if status == "due":
        members = members.filter(next_due_on__lte=today)
    elif status == "overdue":
        members = members.filter(next_due_on__lt=today)
    elif status == "ok":
        members = members.filter(next_due_on__gt=today)
    return members.order_by("next_due_on", "pk")


def record_list_read(actor: User, rows: list[ProgramMember], criteria: dict[str, object]) -> None:
    if rows:
        audit.record(
            actor,
            AuditAction.LIST,
            "program_member",
            object_ids=[row.pk for row in rows],
            detail={"criteria": sorted(k for k, v in criteria.items() if v)},
        )
