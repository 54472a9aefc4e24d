"""/api/v1/quarantine/...: clear 4xx naming the field, nothing stored on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.quarantine.models import FacilityAdmission, HealthCheck, QuarantineAlert, QuarantineOrder
from phongdich.quarantine.tests.conftest import beds_of


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def post(client, url, body):
    return client.post(f"/api/v1/quarantine{url}", body, content_type="application/json")


@pytest.fixture
def officer_api(api_client, commune_officer):
    return api_client(commune_officer)


def test_issue_read_change_and_deliver_an_order(officer_api, person):
    response = post(officer_api, "/orders", {"person": person.pk, "reason": "f1_of_case"})
    assert response.status_code == 201, response.content
    order = response.json()
    assert (order["kind"], order["status"], order["commune"], order["policy_version"]) == ("home", "active", "06649", 2)
    assert [t["day"] for t in order["tests"]] == [7]
    again = post(officer_api, "/orders", {"person": person.pk})
    assert again.status_code == 409 and fields(again) == {"person"}
    too_long = post(officer_api, f"/orders/{order['id']}/change", {"reason": "Gia hạn", "planned_end": "2999-01-01"})
    assert too_long.status_code == 422 and fields(too_long) == {"planned_end"}
    later = str(timezone.localdate() + dt.timedelta(days=10))
    changed = post(officer_api, f"/orders/{order['id']}/change", {"reason": "Gia hạn", "planned_end": later})
    assert changed.status_code == 200 and changed.json()["history"][-1]["kind"] == "extended"
    delivered = post(officer_api, f"/orders/{order['id']}/deliveries", {"method": "refused", "note": "Không nhận"})
    assert delivered.status_code == 200
    assert officer_api.get(f"/api/v1/quarantine/orders/{order['id']}/pdf").content.startswith(b"%PDF")
    listed = officer_api.get("/api/v1/quarantine/orders?status=active").json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]


def test_an_end_before_the_start_names_the_field_and_stores_nothing(officer_api, person):
    today = timezone.localdate()
    body = {"person": person.pk, "start": str(today), "planned_end": str(today - dt.timedelta(days=1))}
    response = post(officer_api, "/orders", body)
    assert response.status_code == 422 and fields(response) == {"planned_end"}
    assert QuarantineOrder.objects.count() == 0


def test_health_checks_by_api(officer_api, order, person):
    bad = post(officer_api, "/health-checks", {"person": person.pk, "spo2": 140})
    assert bad.status_code == 422 and fields(bad) == {"spo2"}
    assert HealthCheck.objects.count() == 0
    good = post(officer_api, "/health-checks", {"person": person.pk, "spo2": 93, "temperature": "37.0"})
    assert good.status_code == 201, good.content
    assert good.json()["danger_signs"] == ["low_spo2"]
    alerts = officer_api.get("/api/v1/quarantine/alerts").json()["items"]
    assert [(a["kind"], a["person"]) for a in alerts] == [("danger_sign", person.pk)]
    resolved = post(officer_api, f"/alerts/{alerts[0]['id']}/resolve", {"resolution": "Đã gọi, chuyển viện"})
    assert resolved.status_code == 200 and resolved.json()["resolved_at"] is not None


def test_a_check_for_a_person_not_in_quarantine_names_person(officer_api, person):
    response = post(officer_api, "/health-checks", {"person": person.pk, "spo2": 97})
    assert response.status_code == 422 and fields(response) == {"person"}
    assert HealthCheck.objects.count() == 0 and QuarantineAlert.objects.count() == 0


def test_admissions_by_api(api_client, staff, facility, order, person, make_person, commune_officer):
    client = api_client(staff)
    beds = beds_of(facility)
    admitted = post(client, "/admissions", {"facility": facility.pk, "bed": beds[0].pk, "person": person.pk})
    assert admitted.status_code == 201, admitted.content
    other = make_person(commune_officer)
    post(api_client(commune_officer), "/orders", {"person": other.pk, "kind": "facility"})
    occupied = post(client, "/admissions", {"facility": facility.pk, "bed": beds[0].pk, "person": other.pk})
    assert occupied.status_code == 409 and fields(occupied) == {"bed"}
    assert FacilityAdmission.objects.count() == 1
    board = client.get("/api/v1/quarantine/facilities").json()
    assert [(r["capacity"], r["occupied"], r["free"]) for r in board] == [(3, 1, 2)]
    moved = post(client, f"/admissions/{admitted.json()['id']}/transfer", {"bed": beds[1].pk})
    assert moved.status_code == 200 and moved.json()["bed"] == beds[1].pk
    out = post(client, f"/admissions/{moved.json()['id']}/discharge", {"reason": "Hết hạn"})
    assert out.status_code == 200 and out.json()["discharged_at"] is not None


def test_the_policy_is_listed_and_only_the_province_adds_versions(api_client, province_admin, commune_officer):
    listed = api_client(commune_officer).get("/api/v1/quarantine/policies")
    assert [p["version"] for p in listed.json()] == [2, 1]
    body = {
        "name": "Quảng Ninh",
        "valid_from": str(timezone.localdate()),
        "rules": [{"reason": "f1_of_case", "protection": "protected", "kind": "home", "days": 5, "test_days": [5]}],
    }
    assert post(api_client(commune_officer), "/policies", body).status_code == 404
    made = post(api_client(province_admin), "/policies", body)
    assert made.status_code == 201 and made.json()["version"] == 3
