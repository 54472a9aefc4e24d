"""/api/v1/cases and /api/v1/clusters."""

from __future__ import annotations

import datetime as dt

import pytest

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.cases.models import Case


@pytest.fixture
def epidemiologist(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))


@pytest.fixture
def cdc(api_client, epidemiologist):
    return api_client(epidemiologist)


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def open_case(client, person, **extra):
    body = {"person": person.pk, "sampled_on": "2021-11-03", **extra}
    return client.post("/api/v1/cases", body, content_type="application/json")


def test_open_read_update_a_case(cdc, person, api_client, commune_officer):
    response = open_case(
        cdc, person, onset_date="2021-11-02", detected_in="in_quarantine", confirmed_at="2021-11-03T18:00:00+07:00"
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["number"] == "QNI-000001"
    assert (case["status"], case["detected_in"], case["commune"]) == ("active", "in_quarantine", "06649")
    officer = api_client(commune_officer)
    assert officer.get(f"/api/v1/cases/{case['id']}").json()["person_name"] == person.full_name
    patched = officer.patch(
        f"/api/v1/cases/{case['id']}",
        {"clinical_status": "severe", "care_place": "hospital", "facility_name": "BV Bãi Cháy", "bed": "12"},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["clinical_status"], patched.json()["bed"]) == ("severe", "12")
    closed = officer.patch(
        f"/api/v1/cases/{case['id']}",
        {"outcome": "recovered", "outcome_date": "2021-11-20"},
        content_type="application/json",
    )
    assert closed.json()["status"] == "closed"
    listed = officer.get("/api/v1/cases?status=closed").json()
    assert [item["id"] for item in listed["items"]] == [case["id"]]
    assert AuditEvent.objects.filter(object_type="case", action="list", actor=commune_officer).exists()


def test_bad_input(cdc, person):
    assert open_case(cdc, person, onset_date="2021-12-30").status_code == 422
    assert fields(open_case(cdc, person, onset_date="2021-12-30")) == {"onset_date"}
    missing = cdc.post(
        "/api/v1/cases", {"person": 999_999_999, "sampled_on": "2021-11-03"}, content_type="application/json"
    )
    assert missing.status_code == 404 and fields(missing) == {"person"}
    assert open_case(cdc, person).status_code == 201
    again = open_case(cdc, person)
    assert again.status_code == 409 and fields(again) == {"person"}
    case = Case.objects.get()
    bad = cdc.patch(f"/api/v1/cases/{case.pk}", {"outcome": "died"}, content_type="application/json")
    assert bad.status_code == 422 and fields(bad) == {"outcome_date"}
    assert cdc.get("/api/v1/cases/999999999").status_code == 404
    assert cdc.get(f"/api/v1/cases/{2**70}").status_code == 404


def test_void_through_the_api(cdc, person):
    case = open_case(cdc, person).json()
    response = cdc.post(f"/api/v1/cases/{case['id']}/void", {"reason": "Trùng"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "voided"


def test_scope(cdc, person, api_client, units, make_account):
    case = open_case(cdc, person).json()
    other = api_client(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert other.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert other.get("/api/v1/cases").json()["count"] == 0
    assert other.patch(f"/api/v1/cases/{case['id']}", {"bed": "1"}, content_type="application/json").status_code == 404
    lab = api_client(make_account(Role.LAB_TECHNICIAN, "22"))
    assert open_case(lab, person).status_code == 404


def test_clusters(cdc, person, api_client, commune_officer):
    case = open_case(cdc, person).json()
    response = cdc.post(
        "/api/v1/clusters", {"name": "Chợ Hạ Long 1", "commune": "06649"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    cluster = response.json()
    linked = cdc.post(
        f"/api/v1/clusters/{cluster['id']}/cases", {"cases": [case["id"]]}, content_type="application/json"
    )
    assert linked.json()["cases"] == [case["id"]]
    assert cdc.get(f"/api/v1/cases/{case['id']}").json()["cluster_code"] == cluster["code"]
    officer = api_client(commune_officer)
    assert officer.get("/api/v1/clusters").json()["count"] == 1
    assert (
        officer.post("/api/v1/clusters", {"name": "X", "commune": "06649"}, content_type="application/json").status_code
        == 404
    )
    unlinked = cdc.delete(f"/api/v1/clusters/{cluster['id']}/cases/{case['id']}")
    assert unlinked.json()["cases"] == []
    # Found by the API fuzzer: an id no column can hold was a 500 (an overflow), not a 422 on the field.
    huge = cdc.post(f"/api/v1/clusters/{cluster['id']}/cases", {"cases": [2**64 - 1]}, content_type="application/json")
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"].startswith("cases")


def test_dates_at_the_ends_of_the_calendar_are_answered(cdc, person):
    assert open_case(cdc, person, sampled_on="9999-12-31", onset_date="2021-11-01").status_code == 422
    assert open_case(cdc, person, sampled_on="0001-01-01").status_code == 422
    for query in ("since=0001-01-01", "until=9999-12-31", "since=9999-12-31&until=0001-01-01"):
        assert cdc.get(f"/api/v1/cases?{query}").status_code == 200, query
