"""Rule sets as data: bad ones refused naming the field (nothing stored), edits audited, a used set versioned."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from phongdich.audit.models import AuditEvent
from phongdich.levels import services
from phongdich.levels.models import LevelMeasure, LevelRuleSet
from phongdich.levels.seed import QD_4800

from .conftest import HA_KHANH


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(QD_4800)
    data.update({"name": "Tỉnh Quảng Ninh 2022", "valid_from": "2022-03-01"})
    data.update(copy.deepcopy(changes))
    return data


def counts() -> tuple[int, int, int]:
    return (
        LevelRuleSet.objects.count(),
        LevelMeasure.objects.count(),
        AuditEvent.objects.filter(object_type="level_rule_set").count(),
    )


BAD = [
    (
        "overlap",
        {"bands": [{"band": 1, "lower": 0, "upper": 20}, {"band": 2, "lower": 15, "upper": None}]},
        "bands[1].lower",
    ),
    (
        "gap",
        {"bands": [{"band": 1, "lower": 0, "upper": 20}, {"band": 2, "lower": 25, "upper": None}]},
        "bands[1].lower",
    ),
    ("not from zero", {"bands": [{"band": 1, "lower": 5, "upper": None}]}, "bands[0].lower"),
    ("closed at the top", {"bands": [{"band": 1, "lower": 0, "upper": 20}]}, "bands[0].upper"),
    (
        "missing combination",
        {"combination": {"1": {"met": 1, "not_met": 2}, "2": {"met": 2, "not_met": 3}, "3": {"met": 3, "not_met": 4}}},
        "combination.4.met",
    ),
    (
        "share above 1",
        {"coverage_conditions": [{"age_from": 18, "age_to": None, "measure": "first_dose", "min_share": 70}]},
        "coverage_conditions[0].min_share",
    ),
    (
        "age not on a census band",
        {"coverage_conditions": [{"age_from": 60, "age_to": None, "measure": "full_course", "min_share": 0.8}]},
        "coverage_conditions[0].age_from",
    ),
    ("level 5", {"combination": {**QD_4800["combination"], "4": {"met": 5, "not_met": 4}}}, "combination.4.met"),
    ("unknown venue kind", {"measures": {"casino": {"4": "closed"}}}, "measures.casino"),
]


@pytest.mark.parametrize(("case", "changes", "field"), BAD, ids=[case for case, _c, _f in BAD])
def test_a_bad_rule_set_is_refused_naming_the_field_and_nothing_is_stored(
    units, province_admin, api_client, case, changes, field
):
    before = counts()
    response = api_client(province_admin).post(
        "/api/v1/levels/rule-sets", body(**changes), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert counts() == before


def test_only_the_province_writes_rules_and_everyone_reads_them(units, district_officer, leader, api_client):
    assert (
        api_client(district_officer)
        .post("/api/v1/levels/rule-sets", body(), content_type="application/json")
        .status_code
        == 404
    )
    listed = api_client(leader).get("/api/v1/levels/rule-sets")
    assert listed.status_code == 200
    assert {item["name"] for item in listed.json()} == {"QĐ 4800/QĐ-BYT", "QĐ 218/QĐ-BYT"}
    assert listed.json()[0]["measures"]["hotel"]["4"] == "closed"


def test_a_new_set_and_an_edit_are_audited(units, province_admin, api_client):
    client = api_client(province_admin)
    response = client.post(
        "/api/v1/levels/rule-sets", body(measures={"hotel": {"3": "closed"}}), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["measures"] == {"hotel": {"3": "closed"}}
    assert services.venue_kind_measure(3, "hotel", dt.date(2022, 3, 2)) == "closed"
    changed = body(
        bands=[
            {"band": 1, "lower": 0, "upper": 30},
            {"band": 2, "lower": 30, "upper": 50},
            {"band": 3, "lower": 50, "upper": 150},
            {"band": 4, "lower": 150, "upper": None},
        ]
    )
    response = client.put(f"/api/v1/levels/rule-sets/{created['id']}", changed, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == created["id"]  # unused: changed in place
    assert response.json()["bands"][0]["upper"] == 30
    events = AuditEvent.objects.filter(object_type="level_rule_set", object_id=str(created["id"])).order_by("at")
    assert [event.action for event in events] == ["create", "update"]
    assert events[1].detail["before"]["bands"][0]["upper"] == 20
    assert events[1].detail["after"]["bands"][0]["upper"] == 30
    # Two sets may not start on the same day.
    response = client.post("/api/v1/levels/rule-sets", body(), content_type="application/json")
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "valid_from"


def test_a_set_used_by_a_published_level_becomes_a_new_version(units, province_admin, district_officer, api_client):
    result = services.assess_unit(province_admin, HA_KHANH)
    services.propose(district_officer, result.pk)
    services.approve(province_admin, result.pk)
    services.publish(province_admin, result.pk)
    used = result.rule_set
    data = copy.deepcopy(body(name=used.name, valid_from=used.valid_from.isoformat()))
    data["coverage_conditions"][0]["min_share"] = 0.6
    response = api_client(province_admin).put(
        f"/api/v1/levels/rule-sets/{used.pk}", data, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    new = response.json()
    assert new["id"] != used.pk and new["version"] == used.version + 1 and new["current"]
    used.refresh_from_db()
    assert used.replaced_by_id == new["id"]
    assert used.coverage_conditions[0]["min_share"] != 0.6  # the published level keeps its rules
    assert LevelRuleSet.in_force(timezone.localdate()).pk == new["id"]
    # The replaced version keeps its measures, and the new one got them too.
    assert used.measures.count() == LevelMeasure.objects.filter(rule_set_id=new["id"]).count() == 64
    # A replaced version cannot be edited any more.
    again = api_client(province_admin).put(f"/api/v1/levels/rule-sets/{used.pk}", data, content_type="application/json")
    assert again.status_code == 409
