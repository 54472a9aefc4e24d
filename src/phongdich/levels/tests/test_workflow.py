"""Publication: computed → proposed (district) → approved (province) → published, the 48-hour rule, who may do
what (forbidden looks like not found), history and the levels in effect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.geo.models import AdministrativeUnit
from phongdich.levels import services
from phongdich.levels.models import Assessment

from .conftest import HA_KHANH, HA_LONG, MONG_CAI, open_cases, small_commune


def assessed(actor, code: str, at: dt.datetime | None = None) -> Assessment:
    return services.assess_unit(actor, code, at)


def published(district, admin, code: str, *, at: dt.datetime, effective_at: dt.datetime | None = None) -> Assessment:
    result = assessed(admin, code, at)
    services.propose(district, result.pk, at=at)
    services.approve(admin, result.pk, at=at)
    return services.publish(admin, result.pk, effective_at or at, at=at)


@pytest.fixture
def mong_cai_officer(units, make_account):
    return make_account(Role.DISTRICT_OFFICER, "195", username="huyen-mong-cai")


def test_the_whole_way_and_the_level_in_effect(units, province_admin, district_officer, epidemiologist):
    now = timezone.now()
    result = assessed(epidemiologist, HA_KHANH)
    assert services.propose(district_officer, result.pk).status == "proposed"
    assert services.approve(province_admin, result.pk).status == "approved"
    done = services.publish(province_admin, result.pk)
    assert done.status == "published" and done.effective_at is not None and done.effective_at >= now
    unit = AdministrativeUnit.objects.get(code=HA_KHANH)
    assert services.current_levels()[unit.pk] == result.level
    assert services.current_levels(now - dt.timedelta(minutes=1)).get(unit.pk) is None
    steps = list(
        AuditEvent.objects.filter(object_type="level_assessment", object_id=str(result.pk)).values_list(
            "detail__step", flat=True
        )
    )
    assert sorted(steps) == ["approve", "propose", "publish"]
    # A second step of the same kind is refused: the result is published.
    with pytest.raises(Conflict):
        services.approve(province_admin, result.pk)


def test_raising_needs_48_hours_notice_from_approval_lowering_does_not(
    units, province_admin, district_officer, epidemiologist, make_person, english
):
    small_commune(HA_KHANH, 1000)
    start = timezone.now() - dt.timedelta(days=20)
    # Nobody vaccinated and no case: level 2 published twenty days ago.
    first = published(district_officer, province_admin, HA_KHANH, at=start)
    assert first.level == 2
    # 200 per 100,000 under QĐ 218: band 2, coverage not met, level 3.
    open_cases(epidemiologist, make_person, HA_KHANH, 2)
    higher = assessed(epidemiologist, HA_KHANH)
    assert higher.level == 3
    services.propose(district_officer, higher.pk)
    approved = services.approve(province_admin, higher.pk)
    assert approved.approved_at is not None
    too_soon = approved.approved_at + dt.timedelta(hours=47, minutes=59)
    with pytest.raises(InvalidInput) as refused:
        services.publish(province_admin, higher.pk, too_soon)
    assert [error.field for error in refused.value.errors] == ["effective_at"]
    assert "48 hours" in refused.value.detail
    assert Assessment.objects.get(pk=higher.pk).status == "approved"  # nothing stored
    in_two_days = approved.approved_at + dt.timedelta(hours=48)
    assert services.publish(province_admin, higher.pk, in_two_days).effective_at == in_two_days
    unit = AdministrativeUnit.objects.get(code=HA_KHANH)
    assert services.current_levels()[unit.pk] == 2  # still the old level until the notice has run
    assert services.current_levels(in_two_days)[unit.pk] == 3
    # Lowering (back to level 2 from 3, once in effect) may be immediate.
    later = in_two_days + dt.timedelta(hours=1)
    lower = Assessment.objects.create(
        unit=unit, rule_set=higher.rule_set, assessed_at=later, level=2, band=1, coverage_met=False, capacity_met=True
    )
    services.propose(district_officer, lower.pk, at=later)
    services.approve(province_admin, lower.pk, at=later)
    assert services.publish(province_admin, lower.pk, later, at=later).effective_at == later
    history = services.unit_history(province_admin, HA_KHANH)[1]
    assert [item.level for item in history] == [2, 3, 2]


def test_a_level_cannot_take_effect_in_the_past(units, province_admin, district_officer):
    result = assessed(province_admin, HA_KHANH)
    services.propose(district_officer, result.pk)
    services.approve(province_admin, result.pk)
    with pytest.raises(InvalidInput) as refused:
        services.publish(province_admin, result.pk, timezone.now() - dt.timedelta(days=1))
    assert refused.value.errors[0].field == "effective_at"


def test_who_may_do_what(units, province_admin, district_officer, commune_officer, mong_cai_officer, leader):
    commune = assessed(province_admin, HA_KHANH)
    district = assessed(province_admin, HA_LONG)
    province = assessed(province_admin, "22")
    # Commune officers and leaders only look; another district's officer does not even see it.
    for outsider in (commune_officer, leader, mong_cai_officer):
        with pytest.raises(NotFound):
            services.propose(outsider, commune.pk)
    # A district proposes its communes and itself, not the province.
    services.propose(district_officer, district.pk)
    with pytest.raises(NotFound):
        services.propose(district_officer, province.pk)
    services.propose(district_officer, commune.pk)
    # Only the province approves.
    for not_province in (district_officer, commune_officer, leader, mong_cai_officer):
        with pytest.raises(NotFound):
            services.approve(not_province, commune.pk)
    with pytest.raises(InvalidInput):
        services.reject(province_admin, commune.pk, "  ")
    rejected = services.reject(province_admin, commune.pk, "Số liệu chưa đủ")
    assert rejected.status == "rejected" and rejected.rejection_reason == "Số liệu chưa đủ"
    # A rejected result may be proposed again.
    assert services.propose(district_officer, commune.pk).status == "proposed"
    # Leaders see the levels (aggregates), out-of-area units are not found.
    assert services.unit_history(leader, HA_KHANH)[0].code == HA_KHANH
    with pytest.raises(NotFound):
        services.unit_history(district_officer, MONG_CAI)
    with pytest.raises(NotFound):
        services.assess_all(commune_officer)


def test_capacity_is_declared_for_the_accounts_own_unit(units, province_admin, district_officer, commune_officer):
    services.declare_capacity(commune_officer, services.CapacityInput(unit=HA_KHANH, capacity_met=True))
    with pytest.raises(NotFound):  # a neighbouring commune
        services.declare_capacity(commune_officer, services.CapacityInput(unit="06652", capacity_met=True))
    with pytest.raises(NotFound):  # the district declares the district, not its communes
        services.declare_capacity(district_officer, services.CapacityInput(unit=HA_KHANH, capacity_met=True))
    services.declare_capacity(district_officer, services.CapacityInput(unit=HA_LONG, capacity_met=False, free_beds=3))
    with pytest.raises(InvalidInput) as refused:
        services.declare_capacity(
            province_admin, services.CapacityInput(unit="22", capacity_met=True, treatment_beds=5, free_beds=9)
        )
    assert refused.value.errors[0].field == "free_beds"
    newest = services.latest_capacities()
    assert newest[AdministrativeUnit.objects.get(code=HA_LONG).pk].capacity_met is False
    assert AuditEvent.objects.filter(object_type="unit_capacity").count() == 2


def test_the_api_workflow(units, province_admin, district_officer, commune_officer, api_client):
    admin, district, commune = api_client(province_admin), api_client(district_officer), api_client(commune_officer)
    response = admin.post("/api/v1/levels/assess", {"unit": HA_KHANH}, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()[0]["id"]
    assert response.json()[0]["explanation"]
    assert commune.post(f"/api/v1/levels/assessments/{pk}/propose").status_code == 404
    assert district.post(f"/api/v1/levels/assessments/{pk}/propose").status_code == 200
    assert district.post(f"/api/v1/levels/assessments/{pk}/approve").status_code == 404
    assert admin.post(f"/api/v1/levels/assessments/{pk}/approve").status_code == 200
    response = admin.post(
        f"/api/v1/levels/assessments/{pk}/publish", {"effective_at": "not a time"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "effective_at"
    response = admin.post(f"/api/v1/levels/assessments/{pk}/publish", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    rows = {row["unit"]: row for row in commune.get("/api/v1/levels").json()}
    assert set(rows) == {HA_KHANH}
    assert rows[HA_KHANH]["published_level"] == response.json()["level"]
    assert commune.get(f"/api/v1/levels/units/{MONG_CAI}").status_code == 404
    assert len(commune.get(f"/api/v1/levels/units/{HA_KHANH}").json()) == 1
    response = commune.post(
        "/api/v1/levels/capacity", {"unit": HA_KHANH, "capacity_met": False}, content_type="application/json"
    )
    assert response.status_code == 201
    assert commune.post("/api/v1/levels/assess", {}, content_type="application/json").status_code == 404
    assert admin.post("/api/v1/levels/assessments/99999999/approve").status_code == 404


def test_assessing_refuses_bad_times(units, province_admin, api_client):
    client = api_client(province_admin)
    for at, status in (("2999-01-01T00:00:00+07:00", 422), ("2021-11-01T00:00:00", 422), ("2001-01-01T00:00:00Z", 409)):
        response = client.post("/api/v1/levels/assess", {"at": at}, content_type="application/json")
        assert response.status_code == status, (at, response.content)
        assert response.json()["errors"][0]["field"] == "at"
    assert Assessment.objects.count() == 0
