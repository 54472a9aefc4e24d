"""/api/v1/vaccinations: record a dose, read a person's doses and status, coverage figures.

Handlers are thin; vaccination.services decides scope, validity and audit.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, Page, actor, paginate
from phongdich.core.errors import NotFound
from phongdich.vaccination import coverage, services
from phongdich.vaccination.models import Vaccination

router = Router(tags=["vaccinations"])

MAX_ID = 2**63 - 1


class VaccinationIn(InputSchema):
    person: int = Field(..., ge=1, le=MAX_ID, description="Person id")
    dose_number: int = Field(..., ge=1, le=services.MAX_DOSES)
    product: str = Field(..., max_length=100, description="Product code, name or alias", examples=["EU/1/20/1528"])
    date: dt.date
    lot: str = Field("", max_length=40)
    site: str = Field("", max_length=200, description="Vaccination site")


class VaccinationOut(Schema):
    id: int
    person: int
    dose_number: int
    is_booster: bool
    completes_course: bool
    product: str
    product_name: str
    manufacturer: str
    vaccine_type: str
    lot: str
    date: dt.date
    site: str
    recorded_at: dt.datetime

    @staticmethod
    def of(v: Vaccination) -> VaccinationOut:
        return VaccinationOut(
            id=v.pk,
            person=v.person_id,
            dose_number=v.dose_number,
            is_booster=v.is_booster,
            completes_course=v.completes_course,
            product=v.product.code,
            product_name=v.product.name,
            manufacturer=v.product.manufacturer_code,
            vaccine_type=v.product.vaccine_type,
            lot=v.lot,
            date=v.date,
            site=v.site,
            recorded_at=v.recorded_at,
        )


class StatusOut(Schema):
    person: int
    first_dose_date: dt.date | None
    full_course: bool
    full_course_date: dt.date | None
    doses_for_full_course: int | None
    boosters: int
    doses: list[VaccinationOut]


class CellOut(Schema):
    band: str
    population: int | None
    first_dose: int
    first_dose_pct: float | None
    full_course: int
    full_course_pct: float | None


class CoverageOut(Schema):
    code: str
    name: str
    level: str
    bands: list[CellOut]


@router.post("", response={201: VaccinationOut, **ERRORS}, summary="Record a dose")
def record_vaccination(request: HttpRequest, payload: VaccinationIn) -> Status[VaccinationOut]:
    vaccination = services.record_vaccination(actor(request), services.VaccinationInput(**payload.model_dump()))
    return Status(201, VaccinationOut.of(vaccination))


@router.get("", response={200: Page[VaccinationOut], **ERRORS}, summary="Vaccination records in your scope")
def list_vaccinations(
    request: HttpRequest,
    person: int | None = Query(None, ge=1, le=MAX_ID, description="Only this person's doses"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    found = services.search_vaccinations(user)
    if person is not None:
        found = found.filter(person_id=person)
    rows, numbers = paginate(found, page, page_size)
    services.record_list_read(user, rows, {"person": person})
    return {"items": [VaccinationOut.of(v) for v in rows], **numbers}


@router.get("/status/{person_id}", response={200: StatusOut, **ERRORS}, summary="A person's vaccination status")
def person_status(request: HttpRequest, person_id: int) -> StatusOut:
    person, status = services.person_vaccinations(actor(request), person_id)
    return StatusOut(
        person=person.pk,
        first_dose_date=status.first_dose_date,
        full_course=status.full_course,
        full_course_date=status.full_course_date,
        doses_for_full_course=status.doses_for_full_course,
        boosters=status.boosters,
        doses=[VaccinationOut.of(v) for v in status.doses],
    )


@router.get("/coverage", response={200: list[CoverageOut], **ERRORS}, summary="Coverage by unit and age band")
def coverage_figures(request: HttpRequest) -> list[CoverageOut]:
    user = actor(request)
    if not coverage.may_see_coverage(user):
        raise NotFound()
    return [
        CoverageOut(
            code=row.unit.code,
            name=row.unit.name,
            level=row.unit.level,
            bands=[
                CellOut(
                    band=key,
                    population=cell.population,
                    first_dose=cell.first_dose,
                    first_dose_pct=cell.first_dose_pct,
                    full_course=cell.full_course,
                    full_course_pct=cell.full_course_pct,
                )
                for key, cell in row.cell_list()
            ],
        )
        for row in coverage.coverage(user)
    ]
