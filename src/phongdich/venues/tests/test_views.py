"""The venue screens: sign-up, list with figures, detail actions per role, posters, safety form, public page."""

from __future__ import annotations

import pytest
from django.test import Client

from phongdich.accounts.models import User
from phongdich.accounts.roles import Role
from phongdich.venues import services
from phongdich.venues.models import Venue, VenueStatus


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def venue_data(**overrides):
    data = {"name": "Tạp hoá Minh Châu", "kind": "shop", "commune": "06649", "address": "Tổ 3, khu 4"}
    data.update(overrides)
    return data


@pytest.fixture
def operator(units, make_account):
    return make_account(Role.VENUE_OPERATOR, username="tap-hoa")


def test_the_sign_up_page_creates_a_pending_venue(client, units):
    assert client.get("/venues/signup/").status_code == 200
    response = client.post(
        "/venues/signup/",
        {
            "full_name": "Đặng Minh Châu",
            "username": "minhchau",
            "password": "mot-mat-khau",
            **venue_data(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="minhchau")
    assert user.role == Role.VENUE_OPERATOR
    venue = Venue.objects.get(operators=user)
    assert venue.status == VenueStatus.PENDING


def test_sign_up_errors_are_shown_by_field(client, units, english):
    response = client.post("/venues/signup/", {"username": "x y", "password": "123", **venue_data(name="")})
    assert response.status_code == 200
    assert not User.objects.filter(role=Role.VENUE_OPERATOR).exists()
    form = response.context["form"]
    assert {"full_name", "password", "name"} <= set(form.errors)


def test_the_commune_lists_and_approves(operator, commune_officer):
    venue = services.register_venue(operator, services.VenueInput(**venue_data()))
    officer = signed_in(commune_officer)
    listing = officer.get("/venues/", {"status": "pending"})
    assert listing.status_code == 200
    assert venue.name in listing.content.decode()
    assert listing.context["figures"].by_status == {"pending": 1}
    detail = officer.get(f"/venues/{venue.pk}/")
    assert detail.status_code == 200
    assert detail.context["can_set_status"]
    officer.post(f"/venues/{venue.pk}/status/", {"status": "active"})
    venue.refresh_from_db()
    assert venue.status == VenueStatus.ACTIVE
    posters = officer.get("/venues/posters/06649.pdf")
    assert posters.status_code == 200
    assert posters.content.startswith(b"%PDF")


def test_the_operator_has_no_status_actions_and_sees_only_theirs(operator, make_account):
    mine = services.register_venue(operator, services.VenueInput(**venue_data()))
    other = services.register_venue(make_account(Role.VENUE_OPERATOR), services.VenueInput(**venue_data(name="Khác")))
    client = signed_in(operator)
    detail = client.get(f"/venues/{mine.pk}/")
    assert detail.status_code == 200
    assert not detail.context["can_set_status"]
    assert client.get(f"/venues/{other.pk}/").status_code == 404
    client.post(f"/venues/{mine.pk}/status/", {"status": "active"})
    mine.refresh_from_db()
    assert mine.status == VenueStatus.PENDING
    assert client.get("/venues/posters/06649.pdf").status_code == 404
    listing = client.get("/venues/")
    assert [row[0].pk for row in listing.context["venues"]] == [mine.pk]


def test_another_commune_sees_404(operator, make_account):
    venue = services.register_venue(operator, services.VenueInput(**venue_data()))
    elsewhere = signed_in(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert elsewhere.get(f"/venues/{venue.pk}/").status_code == 404
    assert elsewhere.get(f"/venues/{venue.pk}/poster.pdf").status_code == 404
    assert elsewhere.post(f"/venues/{venue.pk}/rotate-qr/").status_code == 404


def test_rotate_and_poster_from_the_detail(operator):
    venue = services.register_venue(operator, services.VenueInput(**venue_data()))
    client = signed_in(operator)
    old = venue.qr_key
    assert client.post(f"/venues/{venue.pk}/rotate-qr/").status_code == 302
    venue.refresh_from_db()
    assert venue.qr_key != old
    poster = client.get(f"/venues/{venue.pk}/poster.pdf")
    assert poster["Content-Type"] == "application/pdf"


def test_the_safety_form(operator):
    venue = services.register_venue(operator, services.VenueInput(**venue_data()))
    client = signed_in(operator)
    page = client.get(f"/venues/{venue.pk}/safety/")
    assert page.status_code == 200
    checklist = services.current_checklist()
    answers = {f"c_{c['key']}": "yes" for c in checklist.criteria}
    answers["c_ventilation"] = "no"
    assert client.post(f"/venues/{venue.pk}/safety/", answers).status_code == 302
    venue.refresh_from_db()
    assert venue.risk_class == "safe"  # 2 of 32 weight missed: 94%
    incomplete = client.post(f"/venues/{venue.pk}/safety/", {"c_masks": "yes"})
    assert incomplete.status_code == 200
    assert incomplete.context["form"].errors


def test_the_public_page_has_no_personal_data(operator, commune_officer, client):
    venue = services.register_venue(operator, services.VenueInput(**venue_data()))
    assert client.get(f"/v/{venue.code}").status_code == 404  # not approved yet
    services.set_status(commune_officer, venue.pk, VenueStatus.ACTIVE)
    page = client.get(f"/v/{venue.code}")
    assert page.status_code == 200
    text = page.content.decode()
    assert venue.name in text
    assert operator.username not in text
    assert venue.qr_key not in text
    assert client.get("/v/NOSUCHCODE").status_code == 404


def test_the_menu_shows_venues_to_those_who_may_see_them(operator, commune_officer, make_account):
    assert "/venues/" in signed_in(commune_officer).get("/").content.decode()
    assert "/venues/" in signed_in(operator).get("/").content.decode()
    citizen = make_account(Role.CITIZEN)
    assert signed_in(citizen).get("/venues/").status_code == 404


def test_the_province_edits_stay_rules_and_checklists_in_the_admin(province_admin):
    assert province_admin.has_perm("venues.change_stayrule")
    assert province_admin.has_perm("venues.add_safetychecklist")
    assert not province_admin.has_perm("venues.change_venue")
    admin = signed_in(province_admin)
    assert admin.get("/admin/venues/stayrule/").status_code == 200
    assert admin.get("/admin/venues/safetychecklist/1/change/").status_code == 200


def test_an_operator_edits_an_approved_venue_but_cannot_move_it(operator, commune_officer, english):
    venue = services.register_venue(operator, services.VenueInput(**venue_data()))
    services.set_status(commune_officer, venue.pk, VenueStatus.ACTIVE)
    client = signed_in(operator)
    assert client.get(f"/venues/{venue.pk}/edit/").status_code == 200
    saved = client.post(f"/venues/{venue.pk}/edit/", venue_data(name="Tạp hoá Minh Châu 2", capacity=30))
    assert saved.status_code == 302
    venue.refresh_from_db()
    assert (venue.name, venue.capacity) == ("Tạp hoá Minh Châu 2", 30)
    moved = client.post(f"/venues/{venue.pk}/edit/", venue_data(commune="06652"))
    assert moved.status_code == 200
    assert "commune" in moved.context["form"].errors
    venue.refresh_from_db()
    assert venue.commune.code == "06649"
