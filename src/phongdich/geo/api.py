"""/api/v1/units: the administrative units (public reference data, no personal records)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from phongdich.core.api import ERRORS, Page, check_query_text, paginate
from phongdich.core.text import search_key
from phongdich.geo.models import AdministrativeUnit, Level

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None = Field(None, description="Parent unit's code")
    population: int | None
    population_year: int | None
    age_bands: dict[str, int | None]
    age_bands_estimated: bool
    latitude: float | None
    longitude: float | None

    @staticmethod
    def of(unit: AdministrativeUnit, parent_code: str | None) -> UnitOut:
        return UnitOut(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            kind=unit.kind,
            parent=parent_code,
            population=unit.population,
            population_year=unit.population_year,
            age_bands=unit.age_bands,
            age_bands_estimated=unit.age_bands_estimated,
            latitude=unit.latitude,
            longitude=unit.longitude,
        )


@router.get("", response={200: Page[UnitOut], **ERRORS}, summary="List administrative units")
def list_units(
    request: HttpRequest,
    level: Level | None = Query(None),
    parent: str = Query("", description="Official code of the parent unit"),
    q: str = Query("", description="Name, diacritics and case ignored"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, object]:
    check_query_text(parent=parent, q=q)
    units = AdministrativeUnit.objects.select_related("parent")
    if level:
        units = units.filter(level=level)
    if parent:
        units = units.filter(parent__code=parent)
    if q:
        # Unit names are few (hundreds per province): match in Python on the same key as persons.
        wanted = search_key(q)
        units = units.filter(pk__in=[pk for pk, name in units.values_list("pk", "name") if wanted in search_key(name)])
    rows, numbers = paginate(units, page, page_size)
    return {"items": [UnitOut.of(u, u.parent.code if u.parent else None) for u in rows], **numbers}
