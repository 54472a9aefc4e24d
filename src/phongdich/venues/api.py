"""/api/v1/venues: register, read, search, change, approve, rotate QR, posters, safety. venues.services decides."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from phongdich.core.api import ERRORS, InputSchema, Page, actor, check_query_text, paginate
from phongdich.core.errors import NotFound
from phongdich.venues import posters, services
from phongdich.venues.models import RiskClass, SafetyAssessment, SafetyChecklist, Venue, VenueKind, VenueStatus

router = Router(tags=["venues"])

MAX_ID = 2**63 - 1
VenueId = Path(..., ge=1, le=MAX_ID, description="Venue id")
Kind = Literal[
    "market",
    "supermarket",
    "shop",
    "restaurant",
    "office",
    "factory",
    "school",
    "clinic",
    "pharmacy",
    "hotel",
    "tourist_site",
    "bus",
    "ferry",
    "station",
    "religious_site",
    "event",
]
assert set(get_args(Kind)) == set(VenueKind.values), "Kind must list every VenueKind"


class VenueIn(InputSchema):
    name: str = Field(..., max_length=200, examples=["Chợ Hạ Long I"])
    kind: Kind
    commune: str = Field(..., max_length=10, description="Official code of the commune", examples=["06649"])
    address: str = Field(..., max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    capacity: int | None = Field(None, ge=1, le=services.MAX_CAPACITY)


class VenuePatch(InputSchema):
    name: str | None = Field(None, max_length=200)
    kind: Kind | None = None
    commune: str | None = Field(None, max_length=10)
    address: str | None = Field(None, max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    capacity: int | None = Field(None, ge=1, le=services.MAX_CAPACITY)


class StatusIn(InputSchema):
    status: Literal["active", "suspended", "closed"]
    reason: str = Field("", max_length=255, description="Required to suspend or close")


class VenueOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    commune: str
    commune_name: str
    address: str
    latitude: float | None
    longitude: float | None
    capacity: int | None
    status: str
    status_label: str
    status_reason: str
    status_changed_at: dt.datetime | None
    risk_class: str
    checkin_url: str
    public_url: str
    qr_rotated_at: dt.datetime | None
    has_response_plan: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def of(venue: Venue, base: str) -> VenueOut:
        return VenueOut(
            id=venue.pk,
            code=venue.code,
            name=venue.name,
            kind=venue.kind,
            kind_label=str(VenueKind(venue.kind).label),
            commune=venue.commune.code,
            commune_name=venue.commune.name,
            address=venue.address,
            latitude=venue.latitude,
            longitude=venue.longitude,
            capacity=venue.capacity,
            status=venue.status,
            status_label=str(VenueStatus(venue.status).label),
            status_reason=venue.status_reason,
            status_changed_at=venue.status_changed_at,
            risk_class=venue.risk_class,
            checkin_url=posters.checkin_url(venue, base),
            public_url=f"{base}/v/{venue.code}",
            qr_rotated_at=venue.qr_rotated_at,
            has_response_plan=bool(venue.response_plan),
            created_at=venue.created_at,
            updated_at=venue.updated_at,
        )


class FiguresOut(Schema):
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    checkins_today: int
    checkins_7_days: int


class CriterionOut(Schema):
    key: str
    label: str
    weight: int
    critical: bool


class ChecklistOut(Schema):
    version: int
    title: str
    criteria: list[CriterionOut]
    thresholds: dict[str, int]

    @staticmethod
    def of(checklist: SafetyChecklist) -> ChecklistOut:
        return ChecklistOut(
            version=checklist.version,
            title=checklist.title,
            criteria=[
                CriterionOut(
                    key=str(c["key"]),
                    label=str(c.get("label", "")),
                    weight=int(c.get("weight", 1)),
                    critical=bool(c.get("critical", False)),
                )
                for c in checklist.criteria
            ],
            thresholds={str(k): int(v) for k, v in dict(checklist.thresholds).items()},
        )


class AssessmentIn(InputSchema):
    answers: dict[str, bool] = Field(..., description="Criterion key → true (met) or false")


class AssessmentOut(Schema):
    id: int
    venue_id: int
    checklist_version: int
    answers: dict[str, bool]
    score: int
    risk_class: str
    risk_class_label: str
    assessed_at: dt.datetime

    @staticmethod
    def of(assessment: SafetyAssessment) -> AssessmentOut:
        return AssessmentOut(
            id=assessment.pk,
            venue_id=assessment.venue_id,
            checklist_version=assessment.checklist.version,
            answers=dict(assessment.answers),
            score=assessment.score,
            risk_class=assessment.risk_class,
            risk_class_label=str(RiskClass(assessment.risk_class).label),
            assessed_at=assessment.assessed_at,
        )


def _input(payload: VenueIn | VenuePatch) -> services.VenueInput:
    return services.VenueInput(**payload.model_dump(exclude_unset=True, exclude_none=True))


def _out(request: HttpRequest, venue: Venue) -> VenueOut:
    fresh = Venue.objects.select_related("commune").get(pk=venue.pk)
    return VenueOut.of(fresh, posters.site_url(request))


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("", response={201: VenueOut, **ERRORS}, summary="Register a venue")
def register_venue(request: HttpRequest, payload: VenueIn) -> Status[VenueOut]:
    venue = services.register_venue(actor(request), _input(payload))
    return Status(201, _out(request, venue))


@router.get("", response={200: Page[VenueOut], **ERRORS}, summary="Search venues you manage or operate")
def search_venues(
    request: HttpRequest,
    q: str = Query("", description="Part of the name, or the venue code"),
    status: Literal["", "pending", "active", "suspended", "closed"] = Query(""),
    kind: Literal["", Kind] = Query(""),
    commune: str = Query("", description="Official code of the commune"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    check_query_text(q=q, commune=commune)
    found = services.search_venues(actor(request), query=q, status=status, kind=kind, commune=commune)
    rows, numbers = paginate(found, page, page_size)
    base = posters.site_url(request)
    return {"items": [VenueOut.of(v, base) for v in rows], **numbers}


@router.get("/figures", response={200: FiguresOut, **ERRORS}, summary="Venue and check-in counts of your area")
def venue_figures(request: HttpRequest, commune: str = Query("", description="Official code")) -> FiguresOut:
    check_query_text(commune=commune)
    numbers = services.figures(actor(request), commune=commune)
    return FiguresOut(
        total=numbers.total,
        by_status=numbers.by_status,
        by_kind=numbers.by_kind,
        checkins_today=numbers.checkins_today,
        checkins_7_days=numbers.checkins_7_days,
    )


@router.get("/safety-checklist", response={200: ChecklistOut, **ERRORS}, summary="The checklist venues answer")
def safety_checklist(request: HttpRequest) -> ChecklistOut:
    return ChecklistOut.of(services.current_checklist())


@router.get("/posters.pdf", response={200: None, **ERRORS}, summary="QR posters of every active venue of a commune")
def commune_posters(request: HttpRequest, commune: str = Query(..., max_length=10)) -> HttpResponse:
    check_query_text(commune=commune)
    unit = services.commune_for_posters(actor(request), commune)
    venues = services.active_venues_of(actor(request), unit)
    return _pdf(posters.poster_pdf(venues, posters.site_url(request)), f"posters-{unit.code}.pdf")


@router.get("/{venue_id}", response={200: VenueOut, **ERRORS}, summary="Read a venue")
def read_venue(request: HttpRequest, venue_id: int = VenueId) -> VenueOut:
    return _out(request, services.get_venue(actor(request), venue_id))


@router.patch("/{venue_id}", response={200: VenueOut, **ERRORS}, summary="Change a venue's details")
def update_venue(request: HttpRequest, payload: VenuePatch, venue_id: int = VenueId) -> VenueOut:
    return _out(request, services.update_venue(actor(request), venue_id, _input(payload)))


@router.post("/{venue_id}/status", response={200: VenueOut, **ERRORS}, summary="Approve, suspend, close, reopen")
def set_status(request: HttpRequest, payload: StatusIn, venue_id: int = VenueId) -> VenueOut:
    return _out(request, services.set_status(actor(request), venue_id, payload.status, payload.reason))


@router.post("/{venue_id}/rotate-qr", response={200: VenueOut, **ERRORS}, summary="Replace the venue's QR")
def rotate_qr(request: HttpRequest, venue_id: int = VenueId) -> VenueOut:
    return _out(request, services.rotate_qr(actor(request), venue_id))


@router.get("/{venue_id}/poster.pdf", response={200: None, **ERRORS}, summary="The venue's A4 QR poster")
def venue_poster(request: HttpRequest, venue_id: int = VenueId) -> HttpResponse:
    venue = services.get_venue(actor(request), venue_id)
    return _pdf(posters.poster_pdf([venue], posters.site_url(request)), f"poster-{venue.code}.pdf")


@router.post("/{venue_id}/safety", response={201: AssessmentOut, **ERRORS}, summary="Submit a self-assessment")
def submit_assessment(request: HttpRequest, payload: AssessmentIn, venue_id: int = VenueId) -> Status[AssessmentOut]:
    assessment = services.assess_safety(actor(request), venue_id, dict(payload.answers))
    return Status(201, AssessmentOut.of(assessment))


@router.get("/{venue_id}/safety", response={200: AssessmentOut, **ERRORS}, summary="The latest self-assessment")
def read_assessment(request: HttpRequest, venue_id: int = VenueId) -> AssessmentOut:
    venue = services.get_venue(actor(request), venue_id)
    assessment = services.latest_assessment(venue)
    if assessment is None:
        raise NotFound()
    return AssessmentOut.of(assessment)


@router.post("/{venue_id}/response-plan", response={200: VenueOut, **ERRORS}, summary="Upload the response plan")
def upload_plan(request: HttpRequest, file: File[UploadedFile], venue_id: int = VenueId) -> VenueOut:
    venue = services.attach_response_plan(actor(request), venue_id, file.read(services.MAX_PLAN_BYTES + 1))
    return _out(request, venue)


@router.get("/{venue_id}/response-plan", response={200: None, **ERRORS}, summary="Download the response plan")
def download_plan(request: HttpRequest, venue_id: int = VenueId) -> HttpResponse:
    venue, content = services.response_plan(actor(request), venue_id)
    return _pdf(content, f"response-plan-{venue.code}.pdf")
