"""/api/v1/cases and /api/v1/clusters: confirmed cases (F0) and outbreak clusters.

Handlers are thin; cases.services decides scope, validity, numbering and audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from phongdich.cases import services
from phongdich.cases.models import Case, Cluster
from phongdich.core.api import ERRORS, InputSchema, Page, actor, check_query_text, paginate

router = Router(tags=["cases"])
clusters_router = Router(tags=["clusters"])

MAX_ID = 2**63 - 1


class CaseIn(InputSchema):
    person: int = Field(..., ge=1, le=MAX_ID)
    sampled_on: dt.date = Field(..., description="Day the confirming sample was taken")
    onset_date: dt.date | None = Field(None, description="First symptoms, if any")
    confirmed_at: dt.datetime | None = Field(None, description="Default: now")
    detected_in: str = Field(
        "community",
        max_length=24,
        description="community, in_quarantine, in_lockdown_area, imported_other_province, imported_abroad",
    )
    clinical_status: str = Field("asymptomatic", max_length=12, description="asymptomatic … critical")
    care_place: str = Field("home", max_length=20, description="home, treatment_facility or hospital")
    facility_name: str = Field("", max_length=200)
    bed: str = Field("", max_length=40)
    isolated_at: dt.datetime | None = Field(None, description="When isolated (ends the infectious window)")
    source_result: int | None = Field(None, ge=1, le=MAX_ID, description="The confirming test result's id")
    cluster: int | None = Field(None, ge=1, le=MAX_ID)
    notes: str = Field("", max_length=2000)


class CasePatch(InputSchema):
    """Only the fields sent change. An outcome (recovered, died) with its date closes the case."""

    onset_date: dt.date | None = None
    sampled_on: dt.date | None = None
    isolated_at: dt.datetime | None = None
    detected_in: str | None = Field(None, max_length=24)
    clinical_status: str | None = Field(None, max_length=12)
    care_place: str | None = Field(None, max_length=20)
    facility_name: str | None = Field(None, max_length=200)
    bed: str | None = Field(None, max_length=40)
    outcome: str | None = Field(None, max_length=10, description="none, recovered or died")
    outcome_date: dt.date | None = None
    cluster: int | None = Field(None, ge=1, le=MAX_ID)
    notes: str | None = Field(None, max_length=2000)


class VoidIn(InputSchema):
    reason: str = Field(..., max_length=300)


class CaseOut(Schema):
    id: int
    number: str
    person: int
    person_name: str
    status: str
    confirmed_at: dt.datetime
    onset_date: dt.date | None
    sampled_on: dt.date
    detected_in: str
    clinical_status: str
    care_place: str
    facility_name: str
    bed: str
    outcome: str
    outcome_date: dt.date | None
    isolated_at: dt.datetime | None
    source_result: int | None
    policy: int | None
    cluster: int | None
    cluster_code: str | None
    commune: str
    notes: str
    void_reason: str

    @staticmethod
    def of(case: Case) -> CaseOut:
        return CaseOut(
            id=case.pk,
            number=case.number,
            person=case.person_id,
            person_name=case.person.full_name,
            status=case.status,
            confirmed_at=case.confirmed_at,
            onset_date=case.onset_date,
            sampled_on=case.sampled_on,
            detected_in=case.detected_in,
            clinical_status=case.clinical_status,
            care_place=case.care_place,
            facility_name=case.facility_name,
            bed=case.bed,
            outcome=case.outcome,
            outcome_date=case.outcome_date,
            isolated_at=case.isolated_at,
            source_result=case.source_result_id,
            policy=case.policy_id,
            cluster=case.cluster_id,
            cluster_code=case.cluster.code if case.cluster else None,
            commune=case.commune.code,
            notes=case.notes,
            void_reason=case.void_reason,
        )


class ClusterIn(InputSchema):
    name: str = Field(..., max_length=200)
    commune: str = Field(..., max_length=10, description="Commune code")
    code: str = Field("", max_length=40, description="Default: generated (QNI-OD-00001)")
    notes: str = Field("", max_length=2000)


class ClusterOut(Schema):
    id: int
    code: str
    name: str
    commune: str
    source: str
    notes: str
    created_at: dt.datetime
    cases: list[int] = []

    @staticmethod
    def of(cluster: Cluster, cases: list[Case] | None = None) -> ClusterOut:
        return ClusterOut(
            id=cluster.pk,
            code=cluster.code,
            name=cluster.name,
            commune=cluster.commune.code,
            source=cluster.source,
            notes=cluster.notes,
            created_at=cluster.created_at,
            cases=[case.pk for case in cases or []],
        )


# Ids a database column can hold: a larger number would overflow the query, not find nothing.
CaseId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class LinkIn(InputSchema):
    cases: list[CaseId] = Field(..., min_length=1, max_length=1000)


def _reload(case: Case) -> Case:
    return Case.objects.select_related("person", "commune", "cluster").get(pk=case.pk)


@router.post("", response={201: CaseOut, **ERRORS}, summary="Open a case by hand")
def open_case(request: HttpRequest, payload: CaseIn) -> Status[CaseOut]:
    """Epidemiologists. A person already an active case answers 409. Cases usually open by themselves
    when a confirming positive result is recorded (POST /tests)."""
    case = services.open_case(actor(request), services.CaseInput(**payload.model_dump()))
    return Status(201, CaseOut.of(_reload(case)))


@router.get("", response={200: Page[CaseOut], **ERRORS}, summary="Cases in your jurisdiction")
def list_cases(
    request: HttpRequest,
    status: str = Query("", max_length=8, description="active, closed or voided"),
    commune: str = Query("", max_length=10, description="A commune's or district's code"),
    detected_in: str = Query("", max_length=24),
    cluster: int | None = Query(None, ge=1, le=MAX_ID),
    person: int | None = Query(None, ge=1, le=MAX_ID),
    since: dt.date | None = Query(None, description="Confirmed on or after (local date)"),
    until: dt.date | None = Query(None, description="Confirmed on or before (local date)"),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    user = actor(request)
    check_query_text(status=status, commune=commune, detected_in=detected_in)
    criteria = services.CaseFilter(
        status=status,
        commune=commune,
        detected_in=detected_in,
        cluster=cluster,
        person=person,
        since=since,
        until=until,
    )
    found = services.filter_cases(services.search_cases(user), criteria)
    rows, numbers = paginate(found, page, page_size)
    services.record_list_read(user, "case", rows, criteria.as_dict())
    return {"items": [CaseOut.of(case) for case in rows], **numbers}


@router.get("/{int:case_id}", response={200: CaseOut, **ERRORS}, summary="One case")
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    return CaseOut.of(services.get_case(actor(request), case_id))


@router.patch("/{int:case_id}", response={200: CaseOut, **ERRORS}, summary="Update a case")
def update_case(request: HttpRequest, case_id: int, payload: CasePatch) -> CaseOut:
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    case = services.update_case(actor(request), case_id, changes)
    return CaseOut.of(_reload(case))


@router.post("/{int:case_id}/void", response={200: CaseOut, **ERRORS}, summary="Void a case opened in error")
def void_case(request: HttpRequest, case_id: int, payload: VoidIn) -> CaseOut:
    case = services.void_case(actor(request), case_id, payload.reason)
    return CaseOut.of(_reload(case))


@clusters_router.post("", response={201: ClusterOut, **ERRORS}, summary="Create a cluster (ổ dịch)")
def create_cluster(request: HttpRequest, payload: ClusterIn) -> Status[ClusterOut]:
    cluster = services.create_cluster(actor(request), services.ClusterInput(**payload.model_dump()))
    return Status(201, ClusterOut.of(cluster))


@clusters_router.get("", response={200: Page[ClusterOut], **ERRORS}, summary="Clusters in your jurisdiction")
def list_clusters(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(25, ge=1, le=200),
) -> dict[str, object]:
    found = services.search_clusters(actor(request)).order_by("-created_at", "-pk")
    rows, numbers = paginate(found, page, page_size)
    return {"items": [ClusterOut.of(cluster) for cluster in rows], **numbers}


@clusters_router.get("/{int:cluster_id}", response={200: ClusterOut, **ERRORS}, summary="A cluster and its cases")
def get_cluster(request: HttpRequest, cluster_id: int) -> ClusterOut:
    cluster, cases = services.get_cluster(actor(request), cluster_id)
    return ClusterOut.of(cluster, cases)


@clusters_router.post("/{int:cluster_id}/cases", response={200: ClusterOut, **ERRORS}, summary="Link cases")
def link_cases(request: HttpRequest, cluster_id: int, payload: LinkIn) -> ClusterOut:
    user = actor(request)
    services.link_cases(user, cluster_id, payload.cases)
    cluster, cases = services.get_cluster(user, cluster_id)
    return ClusterOut.of(cluster, cases)


@clusters_router.delete("/{int:cluster_id}/cases/{int:case_id}", response={200: ClusterOut, **ERRORS}, summary="Unlink")
def unlink_case(request: HttpRequest, cluster_id: int, case_id: int) -> ClusterOut:
    user = actor(request)
    services.unlink_case(user, cluster_id, case_id)
    cluster, cases = services.get_cluster(user, cluster_id)
    return ClusterOut.of(cluster, cases)
