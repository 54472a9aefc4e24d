"""/api/v1/quarantine/...: facilities and their board, admissions, orders, health checks, alerts, the policy.

Handlers are thin; quarantine.services decides scope, validity, history and audit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from phongdich.accounts.models import User
from phongdich.core.api import ERRORS, InputSchema, Page, actor, check_query_text, paginate
from phongdich.core.errors import NotFound
from phongdich.quarantine import services
from phongdich.quarantine.models import (
    FacilityAdmission,
    HealthCheck,
    QuarantineAlert,
    QuarantineFacility,
    QuarantineOrder,
    QuarantinePolicy,
)

router = Router(tags=["quarantine"])

MAX_ID = 2**63 - 1


# --- Schemas --------------------------------------------------------------------------------------------------


class FacilityIn(InputSchema):
    name: str = Field(..., max_length=200)
    commune: str = Field(..., max_length=10, description="Commune code")
    kind: str = Field("centralized", max_length=12, description="centralized, hotel (paid) or other")
    address: str = Field("", max_length=255)
    price_per_day: Decimal | None = Field(None, max_digits=12, decimal_places=0, description="VND, hotels")
    status: str = Field("open", max_length=10, description="open, suspended or closed")


class RoomsIn(InputSchema):
    rooms: dict[str, int] = Field(..., description='Room name -> number of beds, e.g. {"101": 4}')
    floor: str = Field("", max_length=20)


class BoardRowOut(Schema):
    facility: int
    name: str
    kind: str
    status: str
    commune: str
    capacity: int
    occupied: int
    free: int
    admitted_today: int
    discharged_today: int


class FacilityOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    commune: str
    address: str
    price_per_day: Decimal | None
    capacity: int

    @staticmethod
    def of(facility: QuarantineFacility, capacity: int) -> FacilityOut:
        return FacilityOut(
            id=facility.pk,
            name=facility.name,
            kind=facility.kind,
            status=facility.status,
            commune=facility.commune.code,
            address=facility.address,
            price_per_day=facility.price_per_day,
            capacity=capacity,
        )


class AdmissionIn(InputSchema):
    facility: int = Field(..., ge=1, le=MAX_ID)
    bed: int = Field(..., ge=1, le=MAX_ID)
    person: int | None = Field(None, ge=1, le=MAX_ID)
    citizen_id: str = Field("", max_length=12)
    reason: str = Field("other", max_length=24, description="For a direct admission without an order")
    admitted_at: dt.datetime | None = None


class TransferIn(InputSchema):
    bed: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field("", max_length=200)


class DischargeIn(InputSchema):
    reason: str = Field("", max_length=200)


class AdmissionOut(Schema):
    id: int
    person: int
    order: int
    facility: int
    bed: int
    admitted_at: dt.datetime
    discharged_at: dt.datetime | None
    discharge_reason: str

    @staticmethod
    def of(admission: FacilityAdmission) -> AdmissionOut:
        return AdmissionOut(
            id=admission.pk,
            person=admission.person_id,
            order=admission.order_id,
            facility=admission.facility_id,
            bed=admission.bed_id,
            admitted_at=admission.admitted_at,
            discharged_at=admission.discharged_at,
            discharge_reason=admission.discharge_reason,
        )


class OrderIn(InputSchema):
    person: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field("other", max_length=24, description="f1_of_case, arrival_from_level4, entry_from_abroad, other")
    start: dt.date | None = Field(None, description="Day 1; default today")
    kind: str = Field("", max_length=16, description="Default: the policy's (facility, home, self_monitoring)")
    planned_end: dt.date | None = Field(None, description="Default: the policy's")
    facility: int | None = Field(None, ge=1, le=MAX_ID)
    place: str = Field("", max_length=255)
    case: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = Field("", max_length=2000)


class OrderChangeIn(InputSchema):
    reason: str = Field(..., max_length=500, description="Why (kept in the history)")
    planned_end: dt.date | None = None
    kind: str = Field("", max_length=16)
    place: str = Field("", max_length=255)


class OrderEndIn(InputSchema):
    reason: str = Field(..., max_length=500)
    cancel: bool = Field(False, description="Issued by mistake (cancelled) rather than ended early")


class DeliveryIn(InputSchema):
    method: str = Field(..., max_length=10, description="in_person, message or refused")
    delivered_at: dt.datetime | None = None
    note: str = Field("", max_length=500)


class ScheduledTestOut(Schema):
    day: int
    due_on: dt.date
    test_type: str
    status: str
    sampled_on: dt.date | None


class EventOut(Schema):
    kind: str
    at: dt.datetime
    by: str
    reason: str


class OrderOut(Schema):
    id: int
    number: str
    person: int
    person_name: str
    commune: str
    reason: str
    case: int | None
    protection: str
    kind: str
    facility: int | None
    place: str
    start: dt.date
    planned_end: dt.date
    self_monitoring_end: dt.date | None
    ended_on: dt.date | None
    status: str
    policy_version: int | None
    release_certificate: str | None = None
    tests: list[ScheduledTestOut] = []
    history: list[EventOut] = []

    @staticmethod
    def of(order: QuarantineOrder, detail: services.OrderDetail | None = None) -> OrderOut:
        out = OrderOut(
            id=order.pk,
            number=order.number,
            person=order.person_id,
            person_name=order.person.full_name,
            commune=order.commune.code,
            reason=order.reason,
            case=order.case_id,
            protection=order.protection,
            kind=order.kind,
            facility=order.facility_id,
            place=order.place,
            start=order.start,
            planned_end=order.planned_end,
            self_monitoring_end=order.self_monitoring_end,
            ended_on=order.ended_on,
            status=order.status,
            policy_version=order.policy.version if order.policy_id and order.policy else None,
        )
        if detail is not None:
            out.release_certificate = detail.certificate.number if detail.certificate else None
            out.tests = [
                ScheduledTestOut(
                    day=t.day_number, due_on=t.due_on, test_type=t.test_type, status=t.status, sampled_on=t.sampled_on
                )
                for t in detail.tests
            ]
            out.history = [
                EventOut(kind=e.kind, at=e.at, by=e.by.username if e.by else "", reason=e.reason) for e in detail.events
            ]
        return out


class HealthCheckIn(InputSchema):
    person: int = Field(..., ge=1, le=MAX_ID)
    taken_at: dt.datetime | None = Field(None, description="Default: now")
    temperature: Decimal | None = Field(None, max_digits=5, decimal_places=2, description="°C, 34–43")
    spo2: int | None = Field(None, ge=-1000, le=1000, description="%, 50–100")
    symptoms: list[str] = Field([], max_length=20, description=", ".join(services.SYMPTOMS))
    breathing_difficulty: bool = False
    note: str = Field("", max_length=500)
    client_id: UUID | None = Field(None, description="The device's id for this check: a retry stores nothing twice")


class HealthCheckOut(Schema):
    id: int
    person: int
    order: int | None
    case: int | None
    taken_at: dt.datetime
    temperature: Decimal | None
    spo2: int | None
    symptoms: list[str]
    breathing_difficulty: bool
    danger_signs: list[str]
    self_reported: bool

    @staticmethod
    def of(check: HealthCheck) -> HealthCheckOut:
        return HealthCheckOut(
            id=check.pk,
            person=check.person_id,
            order=check.order_id,
            case=check.case_id,
            taken_at=check.taken_at,
            temperature=check.temperature,
            spo2=check.spo2,
            symptoms=list(check.symptoms),
            breathing_difficulty=check.breathing_difficulty,
            danger_signs=list(check.danger_signs),
            self_reported=check.self_reported,
        )


class AlertOut(Schema):
    id: int
    kind: str
    person: int
    person_name: str
    commune: str
    facility: int | None
    order: int | None
    day: dt.date
    signs: list[str]
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str

    @staticmethod
    def of(alert: QuarantineAlert) -> AlertOut:
        return AlertOut(
            id=alert.pk,
            kind=alert.kind,
            person=alert.person_id,
            person_name=alert.person.full_name,
            commune=alert.commune.code,
            facility=alert.facility_id,
            order=alert.order_id,
            day=alert.day,
            signs=list(alert.signs),
            raised_at=alert.raised_at,
            resolved_at=alert.resolved_at,
            resolution=alert.resolution,
        )


class ResolveIn(InputSchema):
    resolution: str = Field(..., max_length=500)


class RuleIn(InputSchema):
    reason: str = Field(..., max_length=24)
    protection: str = Field(..., max_length=16, description="protected or not_protected")
    kind: str = Field(..., max_length=16)
    days: int = Field(..., ge=0, le=1000)
    self_monitoring_days: int = Field(0, ge=0, le=1000)
    test_days: list[int] = Field([], max_length=30)
    test_type: str = Field("rt_pcr", max_length=10)


class PolicyIn(InputSchema):
    name: str = Field(..., max_length=200)
    valid_from: dt.date
    notes: str = Field("", max_length=4000)
    rules: list[RuleIn] = Field(..., max_length=50)


class RuleOut(Schema):
    reason: str
    protection: str
    kind: str
    days: int
    self_monitoring_days: int
    test_days: list[int]
    test_type: str


class PolicyOut(Schema):
    id: int
    version: int
    name: str
    valid_from: dt.date
    notes: str
    rules: list[RuleOut]


# --- Facilities -----------------------------------------------------------------------------------------------


def _facility_out(facility: QuarantineFacility) -> FacilityOut:
    return FacilityOut.of(facility, facility.beds.filter(in_service=True).count())


@router.get("/facilities", response={200: list[BoardRowOut], **ERRORS}, summary="Facility board: occupancy")
def board(
    request: HttpRequest, day: dt.date | None = Query(None, description="Local day; default today")
) -> list[BoardRowOut]:
    rows = services.facility_board(actor(request), day or timezone.localdate())
    return [
        BoardRowOut(
            facility=row.facility_id,
            name=row.name,
            kind=row.kind,
            status=row.status,
            commune=row.commune_name,
            capacity=row.capacity,
            occupied=row.occupied,
            free=row.free,
            admitted_today=row.admitted_today,
            discharged_today=row.discharged_today,
        )
        for row in rows
    ]


@router.post("/facilities", response={201: FacilityOut, **ERRORS}, summary="Add a facility")
def create_facility(request: HttpRequest, payload: FacilityIn) -> Status[FacilityOut]:
    facility = services.create_facility(actor(request), services.FacilityInput(**payload.model_dump()))
    return Status(201, _facility_out(facility))


@router.get("/facilities/{int:facility_id}", response={200: FacilityOut, **ERRORS}, summary="One facility")
def get_facility(request: HttpRequest, facility_id: int) -> FacilityOut:
    detail = services.facility_detail(actor(request), facility_id)
    return FacilityOut.of(detail.facility, detail.capacity)


@router.post("/facilities/{int:facility_id}/rooms", response={200: FacilityOut, **ERRORS}, summary="Add rooms, beds")
def add_rooms(request: HttpRequest, facility_id: int, payload: RoomsIn) -> FacilityOut:
    user = actor(request)
    services.add_rooms(user, facility_id, payload.rooms, payload.floor)
    detail = services.facility_detail(user, facility_id)
    return FacilityOut.of(detail.facility, detail.capacity)


# --- Admissions -----------------------------------------------------------------------------------------------


@router.post("/admissions", response={201: AdmissionOut, **ERRORS}, summary="Admit a person to a bed")
def admit(request: HttpRequest, payload: AdmissionIn) -> Status[AdmissionOut]:
    """A full facility or an occupied bed answers 409 naming ``facility`` or ``bed``."""
    admission = services.admit(actor(request), services.AdmissionInput(**payload.model_dump()))
    return Status(201, AdmissionOut.of(admission))


@router.post("/admissions/{int:admission_id}/transfer", response={200: AdmissionOut, **ERRORS}, summary="Transfer")
def transfer(request: HttpRequest, admission_id: int, payload: TransferIn) -> AdmissionOut:
    return AdmissionOut.of(services.transfer(actor(request), admission_id, payload.bed, payload.reason))


@router.post("/admissions/{int:admission_id}/discharge", response={200: AdmissionOut, **ERRORS}, summary="Discharge")
def discharge(request: HttpRequest, admission_id: int, payload: DischargeIn) -> AdmissionOut:
    return AdmissionOut.of(services.discharge(actor(request), admission_id, payload.reason))


# --- Orders ---------------------------------------------------------------------------------------------------


def _order_out(user: User, order_id: int) -> OrderOut:
    detail = services.order_detail(user, order_id)
    return OrderOut.of(detail.order, detail)


@router.post("/orders", response={201: OrderOut, **ERRORS}, summary="Issue a quarantine order")
def issue_order(request: HttpRequest, payload: OrderIn) -> Status[OrderOut]:
    """Dates, kind and testing days come from the policy in force on ``start``; an end before the start answers
    422 naming ``planned_end``; a person already in quarantine 409."""
    user = actor(request)
    order = services.issue_order(user, services.OrderInput(**payload.model_dump()))
    return Status(201, _order_out(user, order.pk))


@router.get("/orders", response={200: Page[OrderOut], **ERRORS}, summary="Orders in your jurisdiction")
def list_orders(
    request: HttpRequest,
    commune: str = Query("", max_length=10),
    status: str = Query("", max_length=16),
    kind: str = Query("", max_length=16),
    q: str = Query("", max_length=40, description="Order number or citizen ID"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    check_query_text(commune=commune, status=status, kind=kind, q=q)
    criteria = services.OrderFilter(commune=commune, status=status, kind=kind, q=q)
    rows, numbers = paginate(services.order_list(user, criteria).select_related("policy"), page, page_size)
    services.record_list_read(user, "quarantine_order", [o.pk for o in rows], {"api": True})
    return {"items": [OrderOut.of(order) for order in rows], **numbers}


@router.get("/orders/{int:order_id}", response={200: OrderOut, **ERRORS}, summary="One order with its history")
def get_order(request: HttpRequest, order_id: int) -> OrderOut:
    return _order_out(actor(request), order_id)


@router.post("/orders/{int:order_id}/change", response={200: OrderOut, **ERRORS}, summary="Extend, shorten, change")
def change_order(request: HttpRequest, order_id: int, payload: OrderChangeIn) -> OrderOut:
    user = actor(request)
    services.change_order(user, order_id, services.ChangeInput(**payload.model_dump()))
    return _order_out(user, order_id)


@router.post("/orders/{int:order_id}/end", response={200: OrderOut, **ERRORS}, summary="End early or cancel")
def end_order(request: HttpRequest, order_id: int, payload: OrderEndIn) -> OrderOut:
    user = actor(request)
    services.end_order(user, order_id, payload.reason, cancel=payload.cancel)
    return _order_out(user, order_id)


@router.post("/orders/{int:order_id}/deliveries", response={200: OrderOut, **ERRORS}, summary="Record delivery")
def record_delivery(request: HttpRequest, order_id: int, payload: DeliveryIn) -> OrderOut:
    user = actor(request)
    services.record_delivery(user, order_id, payload.method, delivered_at=payload.delivered_at, note=payload.note)
    return _order_out(user, order_id)


@router.get("/orders/{int:order_id}/pdf", response={200: None, **ERRORS}, summary="The order as PDF")
def order_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    if not 1 <= order_id <= MAX_ID:  # no such row; a larger number would overflow the query (fuzzer: 500)
        raise NotFound(_("Not found."))
    pdf = services.orders_pdf(actor(request), [order_id])
    return HttpResponse(pdf, content_type="application/pdf")


@router.get("/orders/{int:order_id}/release-certificate", response={200: None, **ERRORS}, summary="Release PDF")
def release_pdf(request: HttpRequest, order_id: int) -> HttpResponse:
    pdf = services.release_pdf(actor(request), order_id)
    return HttpResponse(pdf, content_type="application/pdf")


# --- Health checks and alerts ---------------------------------------------------------------------------------


@router.post("/health-checks", response={201: HealthCheckOut, **ERRORS}, summary="Record a daily health check")
def record_health_check(request: HttpRequest, payload: HealthCheckIn) -> Status[HealthCheckOut]:
    """Out-of-range values answer 422 naming the field; a person not in quarantine (nor an F0 at home) 422 on
    ``person``. SpO₂ below 96 %, difficulty breathing or 38.5 °C raise an alert at once."""
    check = services.record_health_check(actor(request), services.HealthCheckInput(**payload.model_dump()))
    return Status(201, HealthCheckOut.of(check))


@router.get("/health-checks", response={200: list[HealthCheckOut], **ERRORS}, summary="A person's health checks")
def list_health_checks(request: HttpRequest, person: int = Query(..., ge=1, le=MAX_ID)) -> list[HealthCheckOut]:
    return [HealthCheckOut.of(check) for check in services.health_checks_of(actor(request), person)]


@router.get("/alerts", response={200: Page[AlertOut], **ERRORS}, summary="Alerts: danger signs first, newest first")
def list_alerts(
    request: HttpRequest,
    resolved: bool = Query(False, description="Include resolved alerts"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    rows, numbers = paginate(services.alert_list(user, include_resolved=resolved), page, page_size)
    services.record_list_read(user, "quarantine_alert", [a.pk for a in rows], {"api": True})
    return {"items": [AlertOut.of(alert) for alert in rows], **numbers}


@router.post("/alerts/{int:alert_id}/resolve", response={200: AlertOut, **ERRORS}, summary="Resolve an alert")
def resolve_alert(request: HttpRequest, alert_id: int, payload: ResolveIn) -> AlertOut:
    alert = services.resolve_alert(actor(request), alert_id, payload.resolution)
    return AlertOut.of(QuarantineAlert.objects.select_related("person", "commune").get(pk=alert.pk))


# --- Policy ---------------------------------------------------------------------------------------------------


def _policy_out(policy: QuarantinePolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.pk,
        version=policy.version,
        name=policy.name,
        valid_from=policy.valid_from,
        notes=policy.notes,
        rules=[
            RuleOut(
                reason=r.reason,
                protection=r.protection,
                kind=r.kind,
                days=r.days,
                self_monitoring_days=r.self_monitoring_days,
                test_days=list(r.test_days),
                test_type=r.test_type,
            )
            for r in policy.rules.all()
        ],
    )


@router.get("/policies", response={200: list[PolicyOut], **ERRORS}, summary="Quarantine policy versions")
def list_policies(request: HttpRequest) -> list[PolicyOut]:
    return [_policy_out(p) for p in services.policies(actor(request))]


@router.post("/policies", response={201: PolicyOut, **ERRORS}, summary="A new policy version (province)")
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    data = services.PolicyInput(
        name=payload.name,
        valid_from=payload.valid_from,
        notes=payload.notes,
        rules=[services.RuleInput(**rule.model_dump()) for rule in payload.rules],
    )
    policy = services.save_policy(actor(request), data)
    return Status(201, _policy_out(policy))


@router.put("/policies/{int:policy_id}", response={200: PolicyOut, **ERRORS}, summary="Edit (a used one: new version)")
def edit_policy(request: HttpRequest, policy_id: int, payload: PolicyIn) -> PolicyOut:
    data = services.PolicyInput(
        name=payload.name,
        valid_from=payload.valid_from,
        notes=payload.notes,
        rules=[services.RuleInput(**rule.model_dump()) for rule in payload.rules],
    )
    policy = services.save_policy(actor(request), data, policy_id=policy_id)
    return _policy_out(policy)
