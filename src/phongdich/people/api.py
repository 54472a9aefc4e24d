"""/api/v1/persons: create, read, update, search, merge. Handlers are thin; people.services decides."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from phongdich.core.api import ERRORS, InputSchema, Page, actor, check_query_text, paginate
from phongdich.people import services
from phongdich.people.identity import display_phone
from phongdich.people.models import Person

router = Router(tags=["persons"])

MAX_ID = 2**63 - 1
PersonId = Path(..., ge=1, le=MAX_ID, description="Person id")


class PersonIn(InputSchema):
    full_name: str = Field(..., max_length=150, examples=["Nguyễn Thị Đào"])
    sex: Literal["male", "female"]
    date_of_birth: dt.date
    citizen_id: str | None = Field(None, max_length=20, description="12-digit CCCD or 9-digit CMND")
    phone: str | None = Field(None, max_length=30, examples=["0912 345 678"])
    home_commune: str = Field(..., max_length=10, description="Official code of the home commune", examples=["06649"])
    address: str | None = Field(None, max_length=255)
    household: str | None = Field(None, max_length=24, description="Household code")


class PersonPatch(InputSchema):
    full_name: str | None = Field(None, max_length=150)
    sex: Literal["male", "female"] | None = None
    date_of_birth: dt.date | None = None
    citizen_id: str | None = Field(None, max_length=20, description="Empty string clears it")
    phone: str | None = Field(None, max_length=30, description="Empty string clears it")
    home_commune: str | None = Field(None, max_length=10)
    address: str | None = Field(None, max_length=255)
    household: str | None = Field(None, max_length=24, description="Empty string clears it")


class PersonOut(Schema):
    id: int
    full_name: str
    sex: str
    date_of_birth: dt.date
    citizen_id: str | None
    phone: str
    phone_display: str
    home_commune: str
    home_commune_name: str
    address: str
    household: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def of(person: Person) -> PersonOut:
        return PersonOut(
            id=person.pk,
            full_name=person.full_name,
            sex=person.sex,
            date_of_birth=person.date_of_birth,
            citizen_id=person.citizen_id,
            phone=person.phone,
            phone_display=display_phone(person.phone),
            home_commune=person.home_commune.code,
            home_commune_name=person.home_commune.name,
            address=person.address,
            household=person.household.code if person.household_id and person.household else None,
            created_at=person.created_at,
            updated_at=person.updated_at,
        )


class MergeIn(InputSchema):
    duplicate_id: int = Field(..., ge=1, le=MAX_ID, description="The record folded into this one and removed")


class MergeOut(Schema):
    survivor: PersonOut
    merged_person_id: int
    moved: dict[str, int]


def _input(payload: PersonIn | PersonPatch) -> services.PersonInput:
    return services.PersonInput(**payload.model_dump(exclude_unset=True))


@router.post("", response={201: PersonOut, **ERRORS}, summary="Register a person")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    person = services.create_person(actor(request), _input(payload))
    return Status(201, PersonOut.of(services.get_person(actor(request), person.pk)))


@router.get("", response={200: Page[PersonOut], **ERRORS}, summary="Search persons in your jurisdiction")
def search_persons(
    request: HttpRequest,
    q: str = Query("", description="Name (diacritics and case ignored), citizen ID or phone"),
    citizen_id: str = Query(""),
    phone: str = Query(""),
    commune: str = Query("", description="Official code of the home commune"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    check_query_text(q=q, citizen_id=citizen_id, phone=phone, commune=commune)
    user = actor(request)
    found = services.search_persons(user, query=q, citizen_id=citizen_id, phone=phone, commune=commune)
    rows, numbers = paginate(found, page, page_size)
    services.record_list_read(user, rows, {"q": q, "citizen_id": citizen_id, "phone": phone, "commune": commune})
    return {"items": [PersonOut.of(p) for p in rows], **numbers}


@router.get("/{person_id}", response={200: PersonOut, **ERRORS}, summary="Read a person")
def read_person(request: HttpRequest, person_id: int = PersonId) -> PersonOut:
    return PersonOut.of(services.get_person(actor(request), person_id))


@router.patch("/{person_id}", response={200: PersonOut, **ERRORS}, summary="Change a person's fields")
def update_person(request: HttpRequest, payload: PersonPatch, person_id: int = PersonId) -> PersonOut:
    person = services.update_person(actor(request), person_id, _input(payload))
    return PersonOut.of(Person.objects.select_related("home_commune", "household").get(pk=person.pk))


@router.get("/{person_id}/duplicates", response={200: list[PersonOut], **ERRORS}, summary="Probable duplicates")
def person_duplicates(request: HttpRequest, person_id: int = PersonId) -> list[PersonOut]:
    person = services.get_person(actor(request), person_id)
    found = services.duplicates_of(actor(request), person)
    return [PersonOut.of(p) for p in found]


@router.post("/{person_id}/merge", response={200: MergeOut, **ERRORS}, summary="Merge a duplicate into this person")
def merge_person(request: HttpRequest, payload: MergeIn, person_id: int = PersonId) -> MergeOut:
    merge = services.merge_persons(actor(request), person_id, payload.duplicate_id)
    survivor = Person.objects.select_related("home_commune", "household").get(pk=merge.survivor_id)
    return MergeOut(survivor=PersonOut.of(survivor), merged_person_id=merge.merged_person_id, moved=merge.moved)
