"""/api/v1/checkins through the whole stack: URL, authentication, handlers, services, the one error shape."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from phongdich.audit.models import AuditEvent
from phongdich.checkins.models import CheckIn
from phongdich.checkins.personal_qr import personal_qr_token
from phongdich.checkins.tests.test_services import Place, batch_item
from phongdich.venues import services as venues
from phongdich.venues.models import VenueStatus

URL = "/api/v1/checkins"


@pytest.fixture
def place(province_admin, commune_officer, make_account, make_person, make_cccd):
    return Place(province_admin, commune_officer, make_account, make_person, make_cccd)


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def assert_error(response, status, *fields):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert {e["field"] for e in body["errors"]} >= set(fields), body
    return body


def test_staff_record_a_scanned_personal_qr_and_a_retry_is_a_no_op(place, api_client):
    officer = api_client(place.officer)
    key = str(uuid.uuid4())
    body = {"uuid": key, "venue": place.market.code, "personal_qr": personal_qr_token(place.person)}
    first = post(officer, URL, body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True and data["warning"] is None
    assert data["checkin"]["uuid"] == key
    assert data["checkin"]["person"] == place.person.pk
    assert data["checkin"]["method"] == "personal_qr"
    assert data["checkin"]["venue"] == place.market.code
    again = post(officer, URL, body)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert CheckIn.objects.count() == 1


def test_a_typed_citizen_id_and_a_phone_at_the_door(place, api_client):
    officer = api_client(place.officer)
    typed = post(officer, URL, {"venue": place.market.code, "citizen_id": place.citizen_id})
    assert typed.status_code == 201 and typed.json()["checkin"]["method"] == "typed_id"
    phoned = post(officer, URL, {"venue": place.market.code, "phone": "0912 345 678", "name": "Lê Văn Chiến"})
    assert phoned.status_code == 201
    assert phoned.json()["checkin"]["phone"] == "+84912345678"
    assert_error(post(officer, URL, {"venue": place.market.code, "citizen_id": "022085999999"}), 404)
    assert_error(post(officer, URL, {"venue": place.market.code, "citizen_id": "12AB"}), 422, "citizen_id")
    assert_error(post(officer, URL, {"venue": place.market.code}), 422, "phone")


def test_a_citizen_checks_in_with_their_own_record(place, api_client):
    citizen = api_client(place.citizen)
    response = post(citizen, URL, {"qr_key": place.market.qr_key})
    assert response.status_code == 201, response.content
    assert response.json()["checkin"]["person"] == place.person.pk
    assert response.json()["checkin"]["method"] == "venue_qr"
    # ... and cannot check in someone else.
    other = post(citizen, URL, {"venue": place.market.code, "personal_qr": personal_qr_token(place.person)})
    assert_error(other, 404)


def test_bad_venues_and_times_store_nothing(place, api_client, english):
    officer = api_client(place.officer)
    qr = personal_qr_token(place.person)
    assert_error(post(officer, URL, {"venue": "NOSUCH99", "personal_qr": qr}), 404)
    assert_error(post(officer, URL, {"qr_key": "forged-key", "personal_qr": qr}), 404)
    assert_error(post(officer, URL, {"venue": place.far.code, "personal_qr": qr}), 404)
    old_key = place.market.qr_key
    venues.rotate_qr(place.officer, place.market.pk)
    gone = assert_error(post(officer, URL, {"qr_key": old_key, "personal_qr": qr}), 410)
    assert "replaced" in gone["detail"]
    future = (timezone.now() + dt.timedelta(minutes=10)).isoformat()
    assert_error(
        post(officer, URL, {"venue": place.market.code, "personal_qr": qr, "checked_in_at": future}),
        422,
        "checked_in_at",
    )
    old = (timezone.now() - dt.timedelta(days=30)).isoformat()
    assert_error(
        post(officer, URL, {"venue": place.market.code, "personal_qr": qr, "checked_in_at": old}), 422, "checked_in_at"
    )
    assert_error(post(officer, URL, {"venue": place.market.code, "personal_qr": "PD1:1:forged"}), 422, "personal_qr")
    assert_error(post(officer, URL, {"venue": place.market.code, "personal_qr": qr, "uuid": "nope"}), 422, "uuid")
    assert not CheckIn.objects.exists()


def test_a_suspended_venue_answers_with_a_warning(place, api_client, english):
    venues.set_status(place.officer, place.market.pk, VenueStatus.SUSPENDED, reason="Ca bệnh")
    response = post(api_client(place.officer), URL, {"venue": place.market.code, "citizen_id": place.citizen_id})
    assert response.status_code == 201
    assert "suspended" in response.json()["warning"]


def test_a_batch_reports_every_records_fate_and_is_idempotent(place, api_client):
    device = api_client(place.officer)
    items = [batch_item(place.market) for _ in range(20)]
    items.insert(3, batch_item(place.market, checked_in_at="not a time"))
    items.insert(7, {"venue": place.market.code})
    first = post(device, f"{URL}/batch", {"items": items})
    assert first.status_code == 200, first.content
    data = first.json()
    assert (data["created"], data["duplicate"], data["rejected"]) == (20, 0, 2)
    assert [i["index"] for i in data["items"]] == list(range(22))
    assert data["items"][3]["status"] == "rejected"
    assert [e["field"] for e in data["items"][3]["errors"]] == ["checked_in_at"]
    assert {e["field"] for e in data["items"][7]["errors"]} == {"uuid", "checked_in_at", "phone"}
    assert data["items"][0] == {
        "index": 0,
        "uuid": items[0]["uuid"],
        "status": "created",
        "errors": [],
        "warning": None,
    }
    second = post(device, f"{URL}/batch", {"items": items}).json()
    assert (second["created"], second["duplicate"], second["rejected"]) == (0, 20, 2)
    assert CheckIn.objects.count() == 20


def test_a_batch_item_that_is_not_an_object_is_rejected_alone(place, api_client, english):
    device = api_client(place.officer)
    good = [batch_item(place.market) for _ in range(2)]
    response = post(device, f"{URL}/batch", {"items": [good[0], 5, "text", None, [good[1]], good[1]]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["duplicate"], data["rejected"]) == (2, 0, 4)
    assert [item["status"] for item in data["items"]] == ["created", *["rejected"] * 4, "created"]
    for rejected in data["items"][1:5]:
        assert rejected["uuid"] is None
        assert rejected["errors"] == [{"field": "item", "message": "Each record is an object."}]
    assert set(CheckIn.objects.values_list("uuid", flat=True)) == {uuid.UUID(item["uuid"]) for item in good}


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "5", "null"])
def test_a_body_that_is_not_a_json_object_is_refused_as_such(place, api_client, english, body):
    device = api_client(place.officer)
    for path in (URL, f"{URL}/batch"):
        response = device.post(path, data=body, content_type="application/json")
        assert_error(response, 422, "body")
        assert response.json()["errors"] == [{"field": "body", "message": "Send a JSON object."}]
    assert not CheckIn.objects.exists()


def test_a_batch_of_ten_thousand(place, api_client):
    device = api_client(place.officer)
    items = [batch_item(place.market) for _ in range(10_000)]
    started = time.perf_counter()
    response = post(device, f"{URL}/batch", {"items": items})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json()["created"] == 10_000
    assert CheckIn.objects.count() == 10_000
    print(f"\n10,000-record batch through the API on {connection.vendor}: {elapsed:.2f} s")
    too_many = post(device, f"{URL}/batch", {"items": [*items, batch_item(place.market)]})
    assert_error(too_many, 422, "items")


def test_check_out_through_the_api(place, api_client):
    citizen = api_client(place.citizen)
    made = post(citizen, URL, {"venue": place.market.code}).json()["checkin"]
    done = post(citizen, f"{URL}/{made['uuid']}/checkout", {})
    assert done.status_code == 200, done.content
    assert done.json()["checked_out_at"] is not None and done.json()["checkout_inferred"] is False
    assert_error(post(api_client(place.far_officer), f"{URL}/{made['uuid']}/checkout", {}), 404)
    assert_error(post(citizen, f"{URL}/{uuid.uuid4()}/checkout", {}), 404)
    assert_error(post(citizen, f"{URL}/not-a-uuid/checkout", {}), 422)


def test_tracing_reads_are_scoped_and_audited(place, api_client):
    officer = api_client(place.officer)
    post(officer, URL, {"venue": place.market.code, "citizen_id": place.citizen_id})
    post(api_client(place.far_officer), URL, {"venue": place.far.code, "phone": "0987654321"})
    response = officer.get(URL, {"venue": place.market.code})
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    shown = page["items"][0]
    assert shown["person"] == place.person.pk
    event = AuditEvent.objects.get(object_type="checkin", action="list", actor=place.officer)
    assert event.object_ids.strip() == shown["uuid"]
    assert event.detail == {"criteria": ["venue"]}
    assert officer.get(URL, {"person": place.person.pk}).json()["count"] == 1
    assert api_client(place.far_officer).get(URL, {"person": place.person.pk}).json()["count"] == 0
    assert api_client(place.far_officer).get(URL).json()["count"] == 1
    assert api_client(place.leader).get(URL).json()["count"] == 0
    assert api_client(place.citizen).get(URL).json()["count"] == 1
    assert api_client(place.operator).get(URL).json()["count"] == 0
    assert api_client(place.admin).get(URL).json()["count"] == 2
    until = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert api_client(place.admin).get(URL, {"until": until}).json()["count"] == 0


def test_the_api_needs_an_account(place, client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, {}, content_type="application/json").status_code == 401
