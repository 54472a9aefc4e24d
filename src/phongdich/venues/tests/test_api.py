"""/api/v1/venues: the same rules as the services, the one error shape, bad input named by field."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phongdich.accounts.roles import Role
from phongdich.venues import services
from phongdich.venues.models import VenueStatus
from phongdich.venues.tests.test_services import page_count

URL = "/api/v1/venues"


def body(**overrides):
    data = {"name": "Nhà hàng Biển Xanh", "kind": "restaurant", "commune": "06649", "address": "Số 12 đường Bến Đoan"}
    data.update(overrides)
    return data


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def operator(units, make_account):
    return make_account(Role.VENUE_OPERATOR, username="nha-hang")


def test_an_operator_registers_and_the_commune_approves(api_client, operator, commune_officer):
    response = post(api_client(operator), URL, body(capacity=80))
    assert response.status_code == 201, response.content
    venue = response.json()
    assert venue["status"] == "pending"
    assert venue["checkin_url"].endswith("/c/" + services.Venue.objects.get(pk=venue["id"]).qr_key)
    officer = api_client(commune_officer)
    approved = post(officer, f"{URL}/{venue['id']}/status", {"status": "active"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active"
    listed = officer.get(URL, {"status": "active"}).json()
    assert [item["id"] for item in listed["items"]] == [venue["id"]]


def test_another_communes_officer_gets_404(api_client, operator, make_account):
    venue = services.register_venue(operator, services.VenueInput(**body()))
    elsewhere = api_client(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert elsewhere.get(f"{URL}/{venue.pk}").status_code == 404
    assert post(elsewhere, f"{URL}/{venue.pk}/status", {"status": "active"}).status_code == 404
    assert post(elsewhere, f"{URL}/{venue.pk}/rotate-qr", {}).status_code == 404
    assert elsewhere.get(f"{URL}/{venue.pk}/poster.pdf").status_code == 404
    assert services.get_venue(operator, venue.pk).status == VenueStatus.PENDING


def test_an_operator_cannot_approve_their_own_venue(api_client, operator):
    venue = services.register_venue(operator, services.VenueInput(**body()))
    assert post(api_client(operator), f"{URL}/{venue.pk}/status", {"status": "active"}).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "spaceport"}, "kind"),
        ({"commune": "99999"}, "commune"),
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"address": "   "}, "address"),
        ({"capacity": 0}, "capacity"),
        ({"latitude": 91, "longitude": 107}, "latitude"),
        ({"latitude": 21.0}, "longitude"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_input_is_422_naming_the_field(api_client, operator, english, overrides, field):
    response = post(api_client(operator), URL, body(**overrides))
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]


def test_missing_fields_are_named(api_client, operator):
    response = post(api_client(operator), URL, {})
    assert response.status_code == 422
    assert {"name", "kind", "commune", "address"} <= {e["field"] for e in response.json()["errors"]}


def test_bad_query_text_is_422(api_client, operator):
    response = api_client(operator).get(URL, {"q": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"
    assert api_client(operator).get(URL, {"status": "nonsense"}).status_code == 422


def test_suspension_without_reason_is_422(api_client, commune_officer):
    venue = services.register_venue(commune_officer, services.VenueInput(**body()))
    response = post(api_client(commune_officer), f"{URL}/{venue.pk}/status", {"status": "suspended"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


def test_rotation_through_the_api(api_client, operator):
    venue = services.register_venue(operator, services.VenueInput(**body()))
    old = venue.qr_key
    response = post(api_client(operator), f"{URL}/{venue.pk}/rotate-qr", {})
    assert response.status_code == 200
    assert old not in response.json()["checkin_url"]
    with pytest.raises(services.RetiredQrCode):
        services.venue_by_qr_key(old)


def test_poster_and_commune_posters(api_client, operator, commune_officer):
    venue = services.register_venue(operator, services.VenueInput(**body()))
    response = api_client(operator).get(f"{URL}/{venue.pk}/poster.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    services.set_status(commune_officer, venue.pk, VenueStatus.ACTIVE)
    services.register_venue(commune_officer, services.VenueInput(**body(name="Chợ Hà Khánh", kind="market")))
    officer = api_client(commune_officer)
    both = officer.get(f"{URL}/posters.pdf", {"commune": "06649"})
    assert both.status_code == 200
    assert both.content.startswith(b"%PDF")
    assert page_count(both.content) == 2
    assert officer.get(f"{URL}/posters.pdf", {"commune": "06727"}).status_code == 404
    assert api_client(operator).get(f"{URL}/posters.pdf", {"commune": "06649"}).status_code == 404


def test_safety_assessment_through_the_api(api_client, operator, english):
    venue = services.register_venue(operator, services.VenueInput(**body()))
    client = api_client(operator)
    checklist = client.get(f"{URL}/safety-checklist").json()
    answers = {c["key"]: True for c in checklist["criteria"]}
    response = post(client, f"{URL}/{venue.pk}/safety", {"answers": answers})
    assert response.status_code == 201, response.content
    assert (response.json()["score"], response.json()["risk_class"]) == (100, "safe")
    bad = post(client, f"{URL}/{venue.pk}/safety", {"answers": {"masks": True}})
    assert bad.status_code == 422
    assert "answers.distancing" in {e["field"] for e in bad.json()["errors"]}
    assert client.get(f"{URL}/{venue.pk}/safety").json()["risk_class"] == "safe"
    assert client.get(f"{URL}/{venue.pk}").json()["risk_class"] == "safe"


def test_response_plan_upload_and_download(api_client, operator, commune_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venue = services.register_venue(operator, services.VenueInput(**body()))
    client = api_client(operator)
    not_pdf = SimpleUploadedFile("plan.pdf", b"hello", content_type="application/pdf")
    rejected = client.post(f"{URL}/{venue.pk}/response-plan", {"file": not_pdf})
    assert rejected.status_code == 422
    assert rejected.json()["errors"][0]["field"] == "file"
    plan = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 phuong an", content_type="application/pdf")
    assert client.post(f"{URL}/{venue.pk}/response-plan", {"file": plan}).status_code == 200
    download = api_client(commune_officer).get(f"{URL}/{venue.pk}/response-plan")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 phuong an"


def test_figures_are_numbers_only(api_client, commune_officer):
    services.register_venue(commune_officer, services.VenueInput(**body()))
    figures = api_client(commune_officer).get(f"{URL}/figures").json()
    assert figures == {
        "total": 1,
        "by_status": {"active": 1},
        "by_kind": {"restaurant": 1},
        "checkins_today": 0,
        "checkins_7_days": 0,
    }


@pytest.mark.parametrize("venue_id", ["0", "-1", str(2**70), "abc"])
def test_malformed_ids_are_4xx(api_client, operator, venue_id):
    assert api_client(operator).get(f"{URL}/{venue_id}").status_code in (404, 422)


def test_anonymous_is_401(client, db):
    assert client.get(URL).status_code == 401
