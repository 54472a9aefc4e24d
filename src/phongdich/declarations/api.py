"""Health declarations in the API: /api/v1/declarations. Handlers are thin; ``declarations.services`` decides.

Declaring needs no account: ``POST /declarations/otp`` sends a code to the phone, ``POST /declarations`` sends
the declaration with the challenge id and the code (a signed-in citizen's own phone needs no code).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from phongdich.core.api import AUTH, ERRORS, ErrorOut, InputSchema, Page, actor, check_query_text, paginate
from phongdich.declarations import services
from phongdich.declarations.models import Declaration, ExternalArea
from phongdich.declarations.qr import declaration_qr_text

router = Router(tags=["declarations"])


def _anyone(request: HttpRequest) -> bool:
    """No account needed (the phone code proves the declarant); tried after the token and the session."""
    return True


PUBLIC_OR_SIGNED_IN: list[Any] = [*AUTH, _anyone]


class OtpIn(InputSchema):
    phone: str = Field(..., max_length=30, description="Vietnamese mobile number, e.g. 0912345678")


class OtpOut(Schema):
    challenge_id: str
    expires_in_seconds: int


class PersonIn(InputSchema):
    full_name: str = Field(..., max_length=300)
    birth_year: int | None = None
    sex: str = Field(..., max_length=10, description="male or female")
    citizen_id: str = Field("", max_length=30)
    symptoms: list[str] = Field(
        default_factory=list, max_length=20, description="Codes: " + ", ".join(services.SYMPTOMS)
    )
    vaccination: str = Field("unknown", max_length=10, description="unknown, none, partial or full")


class DeclarationIn(InputSchema):
    submission_id: str = Field(..., max_length=40, description="A UUID the client makes; a retry sends it again")
    challenge_id: str = Field("", max_length=40)
    code: str = Field("", max_length=10)
    kind: str = Field(..., max_length=10, description="movement, entry or periodic")
    people: list[PersonIn] = Field(..., max_length=services.MAX_PEOPLE)
    to_commune: str = Field(..., max_length=10, description="Official code of the destination commune")
    from_unit: str = Field("", max_length=10, description="Official code of a unit of the province (movement)")
    from_area: str = Field("", max_length=10, description="Code of a province outside (see /declarations/areas)")
    to_address: str = Field("", max_length=500)
    travel_date: dt.date | None = None
    vehicle_kind: str = Field("", max_length=10)
    vehicle_plate: str = Field("", max_length=30)
    purpose: str = Field("", max_length=500)
    contact_f0_f1: bool = False
    places_visited: str = Field("", max_length=2000)


class DeclarationOut(Schema):
    id: int
    kind: str
    status: str
    full_name: str
    birth_year: int
    person: int | None
    from_code: str
    from_name: str
    from_level: int | None
    from_lockdown: bool
    to_commune: str
    travel_date: dt.date
    vehicle_kind: str
    vehicle_plate: str
    symptoms: list[str]
    contact_f0_f1: bool
    vaccination: str
    vaccination_from_platform: bool
    at_risk: bool
    risk_matches: list[dict[str, Any]]
    quarantine_order: int | None
    valid_until: dt.datetime
    created_at: dt.datetime

    @staticmethod
    def of(declaration: Declaration) -> DeclarationOut:
        return DeclarationOut(
            id=declaration.pk,
            kind=declaration.kind,
            status=declaration.status,
            full_name=declaration.full_name,
            birth_year=declaration.birth_year,
            person=declaration.person_id,
            from_code=declaration.origin_code,
            from_name=declaration.origin_name,
            from_level=declaration.from_level,
            from_lockdown=declaration.from_lockdown,
            to_commune=declaration.to_commune.code,
            travel_date=declaration.travel_date,
            vehicle_kind=declaration.vehicle_kind,
            vehicle_plate=declaration.vehicle_plate,
            symptoms=list(declaration.symptoms),
            contact_f0_f1=declaration.contact_f0_f1,
            vaccination=declaration.vaccination,
            vaccination_from_platform=declaration.vaccination_from_platform,
            at_risk=declaration.at_risk,
            risk_matches=list(declaration.risk_matches),
            quarantine_order=declaration.quarantine_order_id,
            valid_until=declaration.valid_until,
            created_at=declaration.created_at,
        )


class IssuedOut(Schema):
    id: int
    full_name: str
    qr: str = Field(..., description="The declaration QR text (PDD1:…)")
    valid_until: dt.datetime


class SubmissionOut(Schema):
    result_url: str = Field(..., description="A link the declarant can reopen (30 days)")
    declarations: list[IssuedOut]


class AreaOut(Schema):
    code: str
    name: str
    level: int
    updated_at: dt.datetime


class AreaIn(InputSchema):
    level: int


@router.post("/otp", auth=None, response={200: OtpOut, **ERRORS, 429: ErrorOut}, summary="Send a code to a phone")
def start_otp(request: HttpRequest, payload: OtpIn) -> OtpOut:
    from phongdich.accounts.phone_otp import CODE_VALID

    challenge = services.start_phone_check(payload.phone)
    return OtpOut(challenge_id=challenge, expires_in_seconds=int(CODE_VALID.total_seconds()))


@router.post("", auth=PUBLIC_OR_SIGNED_IN, response={200: SubmissionOut, **ERRORS}, summary="Declare")
def declare(request: HttpRequest, payload: DeclarationIn) -> SubmissionOut:
    data = services.DeclarationInput(
        submission_id=payload.submission_id,
        kind=payload.kind,
        people=[
            services.PersonEntry(
                full_name=person.full_name,
                birth_year=person.birth_year,
                sex=person.sex,
                citizen_id=person.citizen_id,
                symptoms=tuple(person.symptoms),
                vaccination=person.vaccination,
            )
            for person in payload.people
        ],
        to_commune=payload.to_commune,
        from_unit=payload.from_unit,
        from_area=payload.from_area,
        to_address=payload.to_address,
        travel_date=payload.travel_date,
        vehicle_kind=payload.vehicle_kind,
        vehicle_plate=payload.vehicle_plate,
        purpose=payload.purpose,
        contact_f0_f1=payload.contact_f0_f1,
        places_visited=payload.places_visited,
    )
    user = request.user if request.user.is_authenticated else None
    stored = services.submit_declaration(
        data,
        challenge_id=payload.challenge_id,
        code=payload.code,
        actor=user,
    )
    token = services.result_token(stored[0].submission_id)
    return SubmissionOut(
        result_url=request.build_absolute_uri(reverse("declaration-result", args=[token])),
        declarations=[
            IssuedOut(id=d.pk, full_name=d.full_name, qr=declaration_qr_text(d), valid_until=d.valid_until)
            for d in stored
        ],
    )


class Filters(Schema):
    kind: str = ""
    risk: str = Field("", description="yes, no or empty for both")
    day: dt.date | None = Field(None, description="Declared on this day (local)")
    commune: str = ""
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


@router.get("/areas", auth=None, response=list[AreaOut], summary="Areas outside the province and their levels")
def areas(request: HttpRequest) -> list[AreaOut]:
    return [_area(area) for area in services.external_areas()]


def _area(area: ExternalArea) -> AreaOut:
    return AreaOut(code=area.code, name=area.name, level=area.level, updated_at=area.updated_at)


@router.put("/areas/{code}", response={200: AreaOut, **ERRORS}, summary="Set the level of an area outside")
def set_area(request: HttpRequest, code: str, payload: AreaIn) -> AreaOut:
    return _area(services.set_area_level(actor(request), code, payload.level))


@router.get("", response={200: Page[DeclarationOut], **ERRORS}, summary="Declarations arriving in my area")
def declaration_list(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    check_query_text(kind=filters.kind, risk=filters.risk, commune=filters.commune)
    criteria = services.DeclarationFilter(
        kind=filters.kind, risk=filters.risk, day=filters.day, commune=filters.commune
    )
    rows = services.search_declarations(actor(request), criteria)
    items, meta = paginate(rows, filters.page, filters.page_size)
    services.record_list_read(actor(request), items, criteria.__dict__)
    return {"items": [DeclarationOut.of(row) for row in items], **meta}


@router.get("/{declaration_id}", response={200: DeclarationOut, **ERRORS}, summary="One declaration")
def declaration_detail(request: HttpRequest, declaration_id: int) -> DeclarationOut:
    return DeclarationOut.of(services.get_declaration(actor(request), declaration_id))
