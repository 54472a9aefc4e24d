"""/api/v1/vaccination-sites, -sessions, -invitations and -registrations.

Thin handlers over vaccination.sessions, which decides scope, capacity and audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, Page, actor, check_query_text, paginate
from phongdich.vaccination import sessions
from phongdich.vaccination.models import InvitationList, Registration, VaccinationSession, VaccinationSite

MAX_ID = 2**63 - 1
Id = Path(..., ge=1, le=MAX_ID)

sites_router = Router(tags=["vaccination sites"])
sessions_router = Router(tags=["vaccination sessions"])
invitations_router = Router(tags=["vaccination invitations"])
registrations_router = Router(tags=["vaccination registrations"])


# --- Sites -----------------------------------------------------------------------------------------


class SiteIn(InputSchema):
    name: str = Field(..., max_length=200, examples=["Trạm y tế phường Hà Khánh"])
    commune: str = Field(..., max_length=10, description="Official code of the commune", examples=["06649"])
    address: str = Field("", max_length=255)
    kind: Literal["fixed", "mobile"] = "fixed"
    capacity_per_session: int = Field(..., ge=1, le=sessions.MAX_CAPACITY)
    vaccinators: list[str] = Field([], max_length=100, description="Usernames of the site's vaccinators")


class SiteOut(Schema):
    id: int
    name: str
    commune: str
    commune_name: str
    address: str
    kind: str
    capacity_per_session: int
    active: bool
    vaccinators: list[str]

    @staticmethod
    def of(site: VaccinationSite) -> SiteOut:
        return SiteOut(
            id=site.pk,
            name=site.name,
            commune=site.commune.code,
            commune_name=site.commune.name,
            address=site.address,
            kind=site.kind,
            capacity_per_session=site.capacity_per_session,
            active=site.active,
            vaccinators=sorted(user.username for user in site.vaccinators.all()),
        )


@sites_router.post("", response={201: SiteOut, **ERRORS}, summary="Open a vaccination site")
def create_site(request: HttpRequest, payload: SiteIn) -> Status[SiteOut]:
    site = sessions.create_site(actor(request), sessions.SiteInput(**payload.model_dump()))
    return Status(201, SiteOut.of(site))


@sites_router.get("", response={200: Page[SiteOut], **ERRORS}, summary="Vaccination sites of your area")
def list_sites(
    request: HttpRequest,
    commune: str = Query("", max_length=10, description="Official code of the commune"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    check_query_text(commune=commune)
    rows, numbers = paginate(
        sessions.search_sites(actor(request), commune=commune).prefetch_related("vaccinators"), page, page_size
    )
    return {"items": [SiteOut.of(site) for site in rows], **numbers}


@sites_router.get("/{site_id}", response={200: SiteOut, **ERRORS}, summary="A vaccination site")
def read_site(request: HttpRequest, site_id: int = Id) -> SiteOut:
    return SiteOut.of(sessions.get_site(actor(request), site_id))


class SitePatchIn(InputSchema):
    name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=255)
    kind: Literal["fixed", "mobile"] | None = None
    capacity_per_session: int | None = Field(None, ge=1, le=sessions.MAX_CAPACITY)
    vaccinators: list[str] | None = Field(None, max_length=100)
    active: bool | None = None


@sites_router.patch("/{site_id}", response={200: SiteOut, **ERRORS}, summary="Change a site or take it out of use")
def update_site(request: HttpRequest, payload: SitePatchIn, site_id: int = Id) -> SiteOut:
    data = sessions.SitePatch(**payload.model_dump(exclude_unset=True))
    return SiteOut.of(sessions.update_site(actor(request), site_id, data))


# --- Sessions --------------------------------------------------------------------------------------


class SessionIn(InputSchema):
    site: int = Field(..., ge=1, le=MAX_ID)
    date: dt.date
    start_time: dt.time = Field(..., examples=["07:30"])
    end_time: dt.time = Field(..., examples=["11:30"])
    capacity: int | None = Field(None, ge=1, le=sessions.MAX_CAPACITY, description="Default: the site's")
    products: list[str] = Field([], max_length=20, description="Product codes offered; empty: any")


class SessionStatusIn(InputSchema):
    status: Literal["planned", "open", "closed"]


class SessionOut(Schema):
    id: int
    site: int
    site_name: str
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    capacity: int
    taken: int
    status: str
    products: list[str]

    @staticmethod
    def of(session: VaccinationSession) -> SessionOut:
        taken = getattr(session, "taken", None)
        return SessionOut(
            id=session.pk,
            site=session.site_id,
            site_name=session.site.name,
            date=session.date,
            start_time=session.start_time,
            end_time=session.end_time,
            capacity=session.capacity,
            taken=sessions.taken_places(session) if taken is None else taken,
            status=session.status,
            products=[product.code for product in session.products.all()],
        )


class RegistrationOut(Schema):
    id: int
    session: int
    person: int
    full_name: str
    source: str
    status: str
    invitation: int | None
    registered_at: dt.datetime
    arrived_at: dt.datetime | None
    vaccination: int | None

    @staticmethod
    def of(registration: Registration) -> RegistrationOut:
        return RegistrationOut(
            id=registration.pk,
            session=registration.session_id,
            person=registration.person_id,
            full_name=registration.person.full_name,
            source=registration.source,
            status=registration.status,
            invitation=registration.invitation_id,
            registered_at=registration.registered_at,
            arrived_at=registration.arrived_at,
            vaccination=registration.vaccination_id,
        )


@sessions_router.post("", response={201: SessionOut, **ERRORS}, summary="Plan a session at a site")
def create_session(request: HttpRequest, payload: SessionIn) -> Status[SessionOut]:
    session = sessions.create_session(actor(request), sessions.SessionInput(**payload.model_dump()))
    return Status(201, SessionOut.of(session))


@sessions_router.get("", response={200: Page[SessionOut], **ERRORS}, summary="Sessions of your area")
def list_sessions(
    request: HttpRequest,
    site: int | None = Query(None, ge=1, le=MAX_ID),
    date_from: dt.date | None = Query(None),
    status: Literal["", "planned", "open", "closed"] = Query(""),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    found = sessions.search_sessions(actor(request), site=site, date_from=date_from, status=status)
    rows, numbers = paginate(found.prefetch_related("products"), page, page_size)
    return {"items": [SessionOut.of(session) for session in rows], **numbers}


@sessions_router.get(
    "/near-me", response={200: list[SessionOut], **ERRORS}, summary="Coming sessions a citizen may register for"
)
def sessions_near_me(request: HttpRequest) -> list[SessionOut]:
    return [SessionOut.of(session) for session in sessions.sessions_open_to_citizen(actor(request))]


@sessions_router.get("/{session_id}", response={200: SessionOut, **ERRORS}, summary="A session")
def read_session(request: HttpRequest, session_id: int = Id) -> SessionOut:
    return SessionOut.of(sessions.get_session(actor(request), session_id))


@sessions_router.post("/{session_id}/status", response={200: SessionOut, **ERRORS}, summary="Open or close a session")
def set_status(request: HttpRequest, payload: SessionStatusIn, session_id: int = Id) -> SessionOut:
    return SessionOut.of(sessions.set_session_status(actor(request), session_id, payload.status))


@sessions_router.get(
    "/{session_id}/registrations", response={200: list[RegistrationOut], **ERRORS}, summary="Who is registered"
)
def session_registrations(request: HttpRequest, session_id: int = Id) -> list[RegistrationOut]:
    user = actor(request)
    session = sessions.get_session(user, session_id)
    return [RegistrationOut.of(row) for row in sessions.session_registrations(user, session)]


# --- Invitation lists ------------------------------------------------------------------------------


class CriteriaIn(InputSchema):
    min_age: int | None = Field(None, ge=0, le=130)
    max_age: int | None = Field(None, ge=0, le=130)
    as_of: dt.date | None = None
    next_dose: int | None = Field(None, ge=1, le=10)
    due_by: dt.date | None = None
    booster_interval_days: int | None = Field(None, ge=0, le=3650)


class InvitationListIn(InputSchema):
    name: str = Field(..., max_length=200, examples=["Trẻ 12–17 tuổi phường Hà Khánh"])
    unit: str = Field(..., max_length=10, description="Official code of the commune, district or province")
    criteria: CriteriaIn


class InvitationListOut(Schema):
    id: int
    name: str
    unit: str
    unit_name: str
    criteria: dict[str, Any]
    invitee_count: int
    created_at: dt.datetime

    @staticmethod
    def of(invitation_list: InvitationList) -> InvitationListOut:
        return InvitationListOut(
            id=invitation_list.pk,
            name=invitation_list.name,
            unit=invitation_list.unit.code,
            unit_name=invitation_list.unit.name,
            criteria=invitation_list.criteria,
            invitee_count=invitation_list.invitee_count,
            created_at=invitation_list.created_at,
        )


class InviteeOut(Schema):
    id: int
    person: int
    full_name: str
    date_of_birth: dt.date
    dose_number: int
    due_date: dt.date | None
    session: int | None


class AssignIn(InputSchema):
    sessions: list[int] = Field(..., min_length=1, max_length=100)


class AssignOut(Schema):
    assigned: int
    already_registered: int
    left_over: int
    by_session: dict[str, int]


@invitations_router.post("", response={201: InvitationListOut, **ERRORS}, summary="Build an invitation list")
def build_list(request: HttpRequest, payload: InvitationListIn) -> Status[InvitationListOut]:
    criteria = {key: value for key, value in payload.criteria.model_dump().items() if value is not None}
    invitation_list = sessions.build_invitation_list(actor(request), payload.name, payload.unit, criteria)
    return Status(201, InvitationListOut.of(invitation_list))


@invitations_router.get("", response={200: Page[InvitationListOut], **ERRORS}, summary="Invitation lists")
def list_lists(
    request: HttpRequest, page: int = Query(1, ge=1, le=1_000_000), page_size: int = Query(25, ge=1, le=200)
) -> dict[str, object]:
    rows, numbers = paginate(sessions.search_invitation_lists(actor(request)), page, page_size)
    return {"items": [InvitationListOut.of(row) for row in rows], **numbers}


@invitations_router.get("/{list_id}", response={200: InvitationListOut, **ERRORS}, summary="An invitation list")
def read_list(request: HttpRequest, list_id: int = Id) -> InvitationListOut:
    return InvitationListOut.of(sessions.get_invitation_list(actor(request), list_id))


@invitations_router.get("/{list_id}/invitees", response={200: Page[InviteeOut], **ERRORS}, summary="Who is on the list")
def list_invitees(
    request: HttpRequest,
    list_id: int = Id,
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=500),
) -> dict[str, object]:
    user = actor(request)
    invitation_list = sessions.get_invitation_list(user, list_id)
    rows, numbers = paginate(sessions.invitees(user, invitation_list), page, page_size)
    sessions.record_invitation_read(user, rows)
    items = [
        InviteeOut(
            id=row.pk,
            person=row.person_id,
            full_name=row.person.full_name,
            date_of_birth=row.person.date_of_birth,
            dose_number=row.dose_number,
            due_date=row.due_date,
            session=getattr(row, "session_id", None),
        )
        for row in rows
    ]
    return {"items": items, **numbers}


@invitations_router.post(
    "/{list_id}/assign", response={200: AssignOut, **ERRORS}, summary="Give invitees places in sessions"
)
def assign(request: HttpRequest, payload: AssignIn, list_id: int = Id) -> AssignOut:
    result = sessions.assign_invitees(actor(request), list_id, payload.sessions)
    return AssignOut(
        assigned=result.assigned,
        already_registered=result.already_registered,
        left_over=result.left_over,
        by_session={str(key): value for key, value in result.by_session.items()},
    )


# --- Registrations ---------------------------------------------------------------------------------


class RegisterIn(InputSchema):
    session: int = Field(..., ge=1, le=MAX_ID)
    person: int | None = Field(None, ge=1, le=MAX_ID, description="Ignored for citizens: they register themselves")
    walk_in: bool = False


class DoseIn(InputSchema):
    product: str = Field(..., max_length=100, examples=["EU/1/20/1528"])
    lot: str = Field("", max_length=40)
    dose_number: int | None = Field(None, ge=1, le=10, description="Default: the person's next dose")


@registrations_router.post("", response={201: RegistrationOut, **ERRORS}, summary="Register for a session")
def register(request: HttpRequest, payload: RegisterIn) -> Status[RegistrationOut]:
    registration = sessions.register(actor(request), payload.session, payload.person, walk_in=payload.walk_in)
    return Status(201, RegistrationOut.of(registration))


@registrations_router.get("/mine", response={200: list[RegistrationOut], **ERRORS}, summary="A citizen's own places")
def my_registrations(request: HttpRequest) -> list[RegistrationOut]:
    return [RegistrationOut.of(row) for row in sessions.my_registrations(actor(request))]


@registrations_router.get("/{registration_id}", response={200: RegistrationOut, **ERRORS}, summary="A registration")
def read_registration(request: HttpRequest, registration_id: int = Id) -> RegistrationOut:
    return RegistrationOut.of(sessions.get_registration(actor(request), registration_id))


@registrations_router.post(
    "/{registration_id}/check-in", response={200: RegistrationOut, **ERRORS}, summary="Mark the person arrived"
)
def check_in(request: HttpRequest, registration_id: int = Id) -> RegistrationOut:
    return RegistrationOut.of(sessions.check_in(actor(request), registration_id))


@registrations_router.post(
    "/{registration_id}/dose", response={200: RegistrationOut, **ERRORS}, summary="Record the dose given"
)
def record_dose(request: HttpRequest, payload: DoseIn, registration_id: int = Id) -> RegistrationOut:
    data = sessions.SessionDoseInput(**payload.model_dump())
    return RegistrationOut.of(sessions.record_session_dose(actor(request), registration_id, data))


@registrations_router.post(
    "/{registration_id}/cancel", response={200: RegistrationOut, **ERRORS}, summary="Give the place back"
)
def cancel(request: HttpRequest, registration_id: int = Id) -> RegistrationOut:
    return RegistrationOut.of(sessions.cancel_registration(actor(request), registration_id))
