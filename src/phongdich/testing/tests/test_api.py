"""/api/v1/tests: one test, a device's batch, results for known samples, pools, revoking; error shape."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases.models import Case
from phongdich.testing.models import RetestTask, Sample, TestResult

TAKEN = "2021-11-03T08:30:00+07:00"


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "22", username="lab-cdc")


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))


@pytest.fixture
def client(api_client, lab):
    return api_client(lab)


def post(client, path, body):
    return client.post(f"/api/v1/tests{path}", body, content_type="application/json")


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_a_positive_pcr_through_the_api_opens_a_case(client, person):
    response = post(
        client,
        "",
        {
            "person": person.pk,
            "test_type": "rt_pcr",
            "taken_at": TAKEN,
            "lab": "CDC Quảng Ninh",
            "result": "positive",
            "ct_value": 18.5,
            "reported_at": "2021-11-03T15:00:00+07:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["test"]["person"] == person.pk
    assert body["test"]["commune"] == "06649"
    assert body["test"]["taken_at"].startswith("2021-11-03T01:30:00")
    assert body["test"]["result"]["result"] == "positive"
    assert body["test"]["result"]["ct_value"] == "18.50"
    case = Case.objects.get()
    assert body["case"] == {"id": case.pk, "number": "QNI-000001", "source_result": body["test"]["result"]["id"]}
    assert body["case_opened"] is True
    # A second positive: the same case, not opened by it.
    again = post(client, "", {"person": person.pk, "test_type": "antigen", "taken_at": TAKEN, "result": "positive"})
    assert again.json()["case"]["id"] == case.pk
    assert again.json()["case_opened"] is False
    assert Case.objects.count() == 1


def test_a_retry_answers_200_with_the_same_record(client, person):
    body = {
        "uuid": str(uuid.uuid4()),
        "person": person.pk,
        "test_type": "antigen",
        "taken_at": TAKEN,
        "result": "negative",
        "result_uuid": str(uuid.uuid4()),
    }
    first = post(client, "", body)
    again = post(client, "", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    assert again.json()["test"]["id"] == first.json()["test"]["id"]
    assert (Sample.objects.count(), TestResult.objects.count()) == (1, 1)


def test_a_result_for_a_known_sample(client, person):
    sample_uuid = str(uuid.uuid4())
    assert (
        post(
            client, "", {"uuid": sample_uuid, "person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN}
        ).status_code
        == 201
    )
    response = post(client, "", {"sample_uuid": sample_uuid, "result": "negative"})
    assert response.status_code == 201, response.content
    assert response.json()["test"]["result"]["result"] == "negative"
    duplicate = post(client, "", {"sample_uuid": sample_uuid, "result": "positive"})
    assert duplicate.status_code == 409
    assert fields(duplicate) == {"sample"}
    assert TestResult.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"person": 999_999_999, "test_type": "rt_pcr", "taken_at": TAKEN}, 404, "person"),
        ({"sample": 999_999_999, "result": "negative"}, 404, "sample"),
        ({"sample": 1}, 422, "result"),
        ({"test_type": "rt_pcr", "taken_at": TAKEN}, 422, "person"),
        ({"person": 1, "taken_at": TAKEN}, 422, "test_type"),
        ({"person": 1, "test_type": "rt_pcr"}, 422, "taken_at"),
        ({"person": 1, "test_type": "rt_pcr", "taken_at": "yesterday"}, 422, "taken_at"),
        ({"person": 1, "test_type": "rt_pcr", "taken_at": TAKEN, "ct_value": 500}, 422, "ct_value"),
    ],
)
def test_bad_input_answers_4xx_naming_the_field(client, person, body, status, field):
    body = {k: (person.pk if k == "person" and v == 1 else v) for k, v in body.items()}
    response = post(client, "", body)
    assert response.status_code == status, response.content
    assert field in fields(response)
    assert not Sample.objects.exists()


def test_a_result_dated_in_the_future_answers_422(client, person):
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = post(
        client,
        "",
        {"person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "result": "positive", "reported_at": later},
    )
    assert response.status_code == 422
    assert fields(response) == {"reported_at"}
    assert not Sample.objects.exists() and not Case.objects.exists()


def test_a_batch_stores_the_good_items_and_reports_the_bad(client, person):
    key = str(uuid.uuid4())
    items = [
        {"uuid": key, "person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "result": "negative"},
        {"person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "result": "maybe"},
        {"person": "abc", "test_type": "rt_pcr", "taken_at": TAKEN},
        {"uuid": key, "person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "result": "negative"},
    ]
    response = post(client, "/batch", {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["duplicate"], body["rejected"]) == (1, 1, 2)
    assert [item["status"] for item in body["items"]] == ["created", "rejected", "rejected", "duplicate"]
    assert {e["field"] for e in body["items"][1]["errors"]} == {"result"}
    assert {e["field"] for e in body["items"][2]["errors"]} == {"person"}
    assert Sample.objects.count() == 1


def test_pools_through_the_api(client, commune_officer, make_person):
    response = post(client, "/pools", {"commune": "06649", "code": "HK-7"})
    assert response.status_code == 201, response.content
    pool = response.json()["id"]
    members = [make_person(commune_officer) for _ in range(3)]
    for member in members:
        assert (
            post(client, "", {"person": member.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "pool": pool}).status_code
            == 201
        )
    response = post(client, f"/pools/{pool}/result", {"result": "positive", "ct_value": 31})
    assert response.status_code == 200, response.content
    assert response.json()["result"] == "positive"
    assert len(response.json()["retest_tasks"]) == 3
    retests = client.get("/api/v1/tests/retests")
    assert retests.status_code == 200
    assert {item["person"] for item in retests.json()["items"]} == {m.pk for m in members}
    assert RetestTask.objects.count() == 3
    assert client.get(f"/api/v1/tests/pools/{pool}").json()["samples"] == sorted(
        Sample.objects.values_list("pk", flat=True)
    )


def test_revoking_through_the_api_voids_the_case(client, person):
    body = post(
        client, "", {"person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "result": "positive"}
    ).json()
    result_id = body["test"]["result"]["id"]
    response = post(client, f"/results/{result_id}/revoke", {"reason": "Nhầm mẫu"})
    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] is not None
    assert Case.objects.get().status == "voided"
    listed = client.get(f"/api/v1/tests/{body['test']['id']}").json()
    assert listed["result"] is None
    assert listed["results"][0]["revoke_reason"] == "Nhầm mẫu"


def test_the_list_is_scoped(api_client, client, person, units, make_account, make_person):
    admin = make_account(Role.PROVINCE_ADMIN, "22")
    far = make_person(admin, home_commune="06727")
    post(client, "", {"person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN, "result": "negative"})
    post(client, "", {"person": far.pk, "test_type": "antigen", "taken_at": TAKEN})
    officer = api_client(make_account(Role.COMMUNE_OFFICER, "06649"))
    listed = officer.get("/api/v1/tests").json()
    assert [item["person"] for item in listed["items"]] == [person.pk]
    assert client.get("/api/v1/tests?result=none").json()["count"] == 1
    assert client.get("/api/v1/tests?commune=194").json()["count"] == 1
    far_sample = Sample.objects.get(person=far)
    assert officer.get(f"/api/v1/tests/{far_sample.pk}").status_code == 404
    assert api_client(make_account(Role.LEADER, "22")).get("/api/v1/tests").json()["count"] == 0


def test_a_citizen_reports_a_self_test(api_client, person, units, make_account):
    citizen = make_account(Role.CITIZEN)
    citizen.person = person
    citizen.save()
    client = api_client(citizen)
    response = post(
        client, "", {"person": person.pk, "test_type": "self_test", "taken_at": TAKEN, "result": "positive"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["case"] is None  # a self-test does not confirm
    assert post(client, "", {"person": person.pk, "test_type": "rt_pcr", "taken_at": TAKEN}).status_code == 422
    assert client.get("/api/v1/tests").json()["count"] == 1


def test_dates_at_the_ends_of_the_calendar_are_answered(client, person):
    for taken in ("9999-12-31T23:59:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+07:00"):
        response = post(client, "", {"person": person.pk, "test_type": "rt_pcr", "taken_at": taken})
        assert response.status_code == 422, (taken, response.content)
        assert fields(response) == {"taken_at"}
    for query in ("since=0001-01-01T00:00:00Z", "until=9999-12-31T23:59:59Z"):
        assert client.get(f"/api/v1/tests?{query}").status_code in (200, 422), query
