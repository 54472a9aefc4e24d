"""Contact tracing in the API: a case's F1/F2 with their evidence, named contacts, follow-up, the task list.

Mounted at /api/v1/ (its paths begin with /cases/… and /contacts): the contact list of a case is for whoever
may see the case (404 otherwise); the task list and follow-up are for the communes the contacts live in.
Handlers are thin; tracing.services decides scope, validity and audit.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, Page, actor, paginate
from phongdich.tracing import services
from phongdich.tracing.models import Closeness, Contact, ContactEvidence, FollowUp, NamedContact, Setting

router = Router(tags=["contact tracing"])

MAX_ID = 2**63 - 1


class EvidenceOut(Schema):
    source: str
    venue: str | None = Field(None, description="Venue code, for a co-presence")
    venue_name: str | None = None
    started_at: dt.datetime
    ended_at: dt.datetime
    overlap_minutes: int | None
    checked_in_at: dt.datetime | None = Field(None, description="The contact's check-in behind a co-presence")
    index_checked_in_at: dt.datetime | None = Field(None, description="The index person's check-in")
    checkin_uuid: UUID | None = None

    @staticmethod
    def of(item: ContactEvidence) -> EvidenceOut:
        return EvidenceOut(
            source=item.source,
            venue=item.venue.code if item.venue is not None else None,
            venue_name=item.venue.name if item.venue is not None else None,
            started_at=item.started_at,
            ended_at=item.ended_at,
            overlap_minutes=item.overlap_minutes,
            checked_in_at=item.checkin_at,
            index_checked_in_at=item.index_checkin_at,
            checkin_uuid=item.checkin_uuid,
        )


class ContactOut(Schema):
    id: int
    case: int
    degree: int = Field(..., description="1 (F1) or 2 (F2)")
    via: int | None = Field(None, description="For an F2: the F1 contact through whom")
    person: int | None
    full_name: str
    phone: str
    commune: str = Field(..., description="Code of the commune that follows the contact up")
    close: bool
    first_exposure: dt.datetime
    last_exposure: dt.datetime
    sources: list[str]
    status: str
    evidence: list[EvidenceOut]

    @staticmethod
    def of(contact: Contact) -> ContactOut:
        person = contact.person
        return ContactOut(
            id=contact.pk,
            case=contact.case_id,
            degree=contact.degree,
            via=contact.via_id,
            person=contact.person_id,
            full_name=person.full_name if person is not None else contact.name,
            phone=(person.phone if person is not None else contact.phone) or "",
            commune=contact.commune.code,
            close=contact.close,
            first_exposure=contact.first_exposure,
            last_exposure=contact.last_exposure,
            sources=contact.source_list,
            status=contact.status,
            evidence=[EvidenceOut.of(item) for item in contact.evidence.all()],
        )


class RunOut(Schema):
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    trigger: str
    policy_version: int
    f1: int
    f2: int


class CaseContactsOut(Schema):
    case: int
    run: RunOut | None = Field(None, description="The latest tracing run; none yet while it is queued")
    f1: int
    f2: int
    items: list[ContactOut]


class NamedContactIn(InputSchema):
    person: int | None = Field(None, ge=1, le=MAX_ID, description="Registry person id (or give phone)")
    phone: str = Field("", max_length=30)
    name: str = Field("", max_length=150)
    setting: Setting
    date: dt.date = Field(..., description="Day of the contact")
    closeness: Closeness = Closeness.CLOSE
    notes: str = Field("", max_length=500)


class NamedContactOut(Schema):
    id: int
    case: int
    person: int | None
    phone: str
    name: str
    setting: str
    date: dt.date
    closeness: str

    @staticmethod
    def of(named: NamedContact) -> NamedContactOut:
        return NamedContactOut(
            id=named.pk,
            case=named.case_id,
            person=named.person_id,
            phone=named.phone,
            name=named.name,
            setting=named.setting,
            date=named.date,
            closeness=named.closeness,
        )


class FollowUpIn(InputSchema):
    status: FollowUp


@router.get(
    "/cases/{case_id}/contacts",
    url_name="tracing_case_contacts",
    response={200: CaseContactsOut, **ERRORS},
    summary="A case's F1 and F2 contacts, with the evidence for each",
)
def case_contacts(request: HttpRequest, case_id: int) -> CaseContactsOut:
    case, contacts = services.case_contacts(actor(request), case_id)
    run = services.last_run(case)
    return CaseContactsOut(
        case=case.pk,
        run=RunOut(
            started_at=run.started_at,
            finished_at=run.finished_at,
            status=run.status,
            trigger=run.trigger,
            policy_version=run.policy.version,
            f1=run.f1_count,
            f2=run.f2_count,
        )
        if run is not None
        else None,
        f1=sum(1 for c in contacts if c.degree == 1),
        f2=sum(1 for c in contacts if c.degree == 2),
        items=[ContactOut.of(contact) for contact in contacts],
    )


@router.post(
    "/cases/{case_id}/named-contacts",
    url_name="tracing_named_contacts",
    response={201: NamedContactOut, **ERRORS},
    summary="Add a contact named by the investigator (the case is traced again)",
)
def add_named_contact(request: HttpRequest, case_id: int, payload: NamedContactIn) -> Status[NamedContactOut]:
    data = services.NamedContactInput(
        person=payload.person,
        phone=payload.phone,
        name=payload.name,
        setting=str(payload.setting),
        date=payload.date,
        closeness=str(payload.closeness),
        notes=payload.notes,
    )
    return Status(201, NamedContactOut.of(services.add_named_contact(actor(request), case_id, data)))


@router.get(
    "/contacts",
    url_name="tracing_task_list",
    response={200: Page[ContactOut], **ERRORS},
    summary="Contacts to follow up in your units",
)
def task_list(
    request: HttpRequest,
    status: FollowUp | None = Query(None),
    degree: int | None = Query(None, ge=1, le=2),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    found = services.task_list(user, status=str(status or ""), degree=degree)
    rows, numbers = paginate(found, page, page_size)
    services.record_list_read(user, rows, {"status": status, "degree": degree})
    return {"items": [ContactOut.of(c) for c in rows], **numbers}


@router.patch(
    "/contacts/{contact_id}",
    url_name="tracing_follow_up",
    response={200: ContactOut, **ERRORS},
    summary="Record a contact's follow-up",
)
def follow_up(request: HttpRequest, contact_id: int, payload: FollowUpIn) -> ContactOut:
    contact = services.set_follow_up(actor(request), contact_id, str(payload.status))
    refreshed = services.contact_for_output(contact.pk)
    return ContactOut.of(refreshed)
