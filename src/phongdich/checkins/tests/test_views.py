"""The check-in screens through Django's test client: the poster's page, personal QR cards, the scanner
page and a venue's day. Data is made by the real services."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.checkins import services as checkins
from phongdich.checkins.models import CheckIn, CheckInMethod
from phongdich.checkins.personal_qr import personal_qr_token
from phongdich.checkins.views import VISITOR_COOKIE
from phongdich.venues import services as venues
from phongdich.venues.models import VenueStatus

HA_KHANH = "06649"
MONG_CAI_COMMUNE = "06727"


@pytest.fixture
def venue(commune_officer):
    return venues.register_venue(
        commune_officer,
        venues.VenueInput(name="Chợ Hà Khánh", kind="market", commune=HA_KHANH, address="Số 1, Tổ 2"),
    )


@pytest.fixture
def other_venue(commune_officer):
    return venues.register_venue(
        commune_officer,
        venues.VenueInput(name="Quán cà phê Biển", kind="restaurant", commune=HA_KHANH, address="Số 9, Tổ 4"),
    )


@pytest.fixture
def operator(make_account, venue):
    account = make_account(Role.VENUE_OPERATOR, username="operator-market")
    venue.operators.add(account)
    return account


@pytest.fixture
def en(client):
    """The language switch's cookie: pages in English (screens ignore Accept-Language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_uuid(response) -> str:
    match = re.search(r'name="uuid" value="([0-9a-f-]{36})"', response.content.decode())
    assert match, "the form carries a uuid"
    return match.group(1)


def check_in_by_phone(client: Client, venue, *, phone="0912 345 678", name="Nguyễn Văn An", visit_uuid=None):
    form_uuid = visit_uuid or page_uuid(client.get(reverse("checkin-venue", args=[venue.qr_key])))
    return client.post(
        reverse("checkin-venue", args=[venue.qr_key]),
        {"by": "phone", "uuid": form_uuid, "phone": phone, "name": name},
    )


# --- The poster's page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_poster_page_is_light_vietnamese_and_asks_who_you_are(client, venue):
    response = client.get(reverse("checkin-venue", args=[venue.qr_key]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="vi"' in page
    assert "Chợ Hà Khánh" in page
    assert "<script" not in page
    assert len(response.content) < 8_000
    assert 'name="phone"' in page and 'name="citizen_id"' in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_forged_key_is_a_404_page_and_stores_nothing(client, venue):
    url = reverse("checkin-venue", args=["not-a-real-key-123"])
    assert client.get(url).status_code == 404
    response = client.post(url, {"by": "phone", "uuid": str(uuid.uuid4()), "phone": "0912345678", "name": "An"})
    assert response.status_code == 404
    assert CheckIn.objects.count() == 0


@pytest.mark.django_db
def test_rotated_poster_is_a_410_page_and_stores_nothing(client, commune_officer, venue):
    old_key = venue.qr_key
    venues.rotate_qr(commune_officer, venue.pk)
    response = client.get(reverse("checkin-venue", args=[old_key]))
    assert response.status_code == 410
    assert "Chợ Hà Khánh" in response.content.decode()
    posted = client.post(
        reverse("checkin-venue", args=[old_key]),
        {"by": "phone", "uuid": str(uuid.uuid4()), "phone": "0912345678", "name": "An"},
    )
    assert posted.status_code == 410
    assert CheckIn.objects.count() == 0


@pytest.mark.django_db
def test_check_in_by_phone_remembers_the_device_and_checks_out(client, venue):
    response = check_in_by_phone(client, venue)
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.method == CheckInMethod.VENUE_QR
    assert checkin.phone == "+84912345678"
    assert checkin.name == "Nguyễn Văn An"
    assert checkin.person_id is None
    assert response["Location"] == reverse("checkin-visit", args=[venue.qr_key, checkin.uuid])

    cookie = response.cookies[VISITOR_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600

    confirmation = client.get(response["Location"])
    page = confirmation.content.decode()
    assert "Chợ Hà Khánh" in page
    local = timezone.localtime(checkin.checked_in_at, dt.timezone(dt.timedelta(hours=7)))
    assert local.strftime("%H:%M") in page
    assert reverse("checkin-checkout", args=[venue.qr_key, checkin.uuid]) in page

    out = client.post(reverse("checkin-checkout", args=[venue.qr_key, checkin.uuid]))
    assert out.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.checked_out_at is not None and not checkin.checkout_inferred

    # The next visit: the device is remembered, one button, no identification asked.
    again = client.get(reverse("checkin-venue", args=[venue.qr_key]))
    page = again.content.decode()
    assert 'name="phone"' not in page
    assert "Nguyễn Văn An" in page
    client.post(reverse("checkin-venue", args=[venue.qr_key]), {"uuid": page_uuid(again)})
    assert CheckIn.objects.count() == 2
    assert CheckIn.objects.filter(phone="+84912345678", checked_out_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_scanning_the_poster_again_during_a_visit_offers_the_check_out(client, venue):
    check_in_by_phone(client, venue)
    checkin = CheckIn.objects.get()
    response = client.get(reverse("checkin-venue", args=[venue.qr_key]))
    assert response.status_code == 302
    assert response["Location"] == reverse("checkin-visit", args=[venue.qr_key, checkin.uuid])


@pytest.mark.django_db
def test_resubmitting_the_same_form_records_one_visit(client, venue):
    form_uuid = page_uuid(client.get(reverse("checkin-venue", args=[venue.qr_key])))
    first = check_in_by_phone(client, venue, visit_uuid=form_uuid)
    second = check_in_by_phone(client, venue, visit_uuid=form_uuid)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_wrong_phone_and_missing_name_are_shown_next_to_their_fields(client, en, venue):
    response = check_in_by_phone(client, venue, phone="0912 ABC", name="  ")
    assert response.status_code == 200
    page = response.content.decode()
    assert "A phone number has no letters." in page
    assert "This field is required." in page or "Enter your full name." in page
    assert page.count('class="field has-error"') == 2
    assert CheckIn.objects.count() == 0
    assert VISITOR_COOKIE not in response.cookies


@pytest.mark.django_db
def test_citizen_id_check_in_links_the_registry_person(client, province_admin, make_person, make_cccd, venue):
    cccd = make_cccd(dt.date(1985, 3, 12), "male")
    person = make_person(province_admin, citizen_id=cccd)
    url = reverse("checkin-venue", args=[venue.qr_key])
    response = client.post(url, {"by": "citizen_id", "uuid": page_uuid(client.get(url)), "citizen_id": cccd})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.person_id == person.pk
    page = client.get(response["Location"]).content.decode()
    assert f"…{cccd[-4:]}" in page
    assert person.full_name not in page


@pytest.mark.django_db
def test_unknown_and_malformed_citizen_ids_are_field_errors(client, en, venue):
    url = reverse("checkin-venue", args=[venue.qr_key])
    malformed = client.post(url, {"by": "citizen_id", "uuid": str(uuid.uuid4()), "citizen_id": "12ab"})
    assert "A citizen ID has digits only." in malformed.content.decode()
    unknown = client.post(url, {"by": "citizen_id", "uuid": str(uuid.uuid4()), "citizen_id": "022085999999"})
    page = unknown.content.decode()
    assert "No registered person has this citizen ID." in page
    assert 'class="field has-error"' in page
    assert CheckIn.objects.count() == 0


@pytest.mark.django_db
def test_not_you_forgets_the_device(client, venue):
    check_in_by_phone(client, venue)
    response = client.post(reverse("checkin-forget", args=[venue.qr_key]))
    assert response.status_code == 302
    assert response.cookies[VISITOR_COOKIE].value == ""
    page = client.get(reverse("checkin-venue", args=[venue.qr_key])).content.decode()
    assert 'name="phone"' in page


@pytest.mark.django_db
def test_tampered_cookie_is_ignored(client, venue):
    client.cookies[VISITOR_COOKIE] = '{"p": 1}:forged:signature'
    page = client.get(reverse("checkin-venue", args=[venue.qr_key])).content.decode()
    assert 'name="phone"' in page


@pytest.mark.django_db
def test_another_device_cannot_see_or_end_the_visit(client, venue):
    check_in_by_phone(client, venue)
    checkin = CheckIn.objects.get()
    stranger = Client()
    assert stranger.get(reverse("checkin-visit", args=[venue.qr_key, checkin.uuid])).status_code == 404
    assert stranger.post(reverse("checkin-checkout", args=[venue.qr_key, checkin.uuid])).status_code == 404
    check_in_by_phone(stranger, venue, phone="0912 000 111", name="Trần Thị Bình")
    assert stranger.get(reverse("checkin-visit", args=[venue.qr_key, checkin.uuid])).status_code == 404
    assert CheckIn.objects.get(uuid=checkin.uuid).checked_out_at is None


@pytest.mark.django_db
def test_suspended_venue_still_records_and_warns(client, en, commune_officer, venue):
    venues.set_status(commune_officer, venue.pk, VenueStatus.SUSPENDED, reason="Ổ dịch")
    assert "suspended" in client.get(reverse("checkin-venue", args=[venue.qr_key])).content.decode()
    response = check_in_by_phone(client, venue)
    assert CheckIn.objects.count() == 1
    assert "suspended" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_check_in_needs_the_csrf_token(venue):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("checkin-venue", args=[venue.qr_key]),
        {"by": "phone", "uuid": str(uuid.uuid4()), "phone": "0912345678", "name": "An"},
    )
    assert response.status_code == 403
    assert CheckIn.objects.count() == 0


# --- Personal QR cards ------------------------------------------------------------------------------


@pytest.fixture
def citizen_with_record(province_admin, make_person, make_account):
    person = make_person(province_admin)
    account = make_account(Role.CITIZEN, username="citizen-an")
    account.person = person
    account.save()
    return account, person


@pytest.mark.django_db
def test_my_record_shows_the_personal_qr_and_the_printable_card(citizen_with_record):
    account, person = citizen_with_record
    client = signed_in(account)
    page = client.get(reverse("my-record")).content.decode()
    assert reverse("my-qr-svg") in page and reverse("my-qr") in page
    svg = client.get(reverse("my-qr-svg"))
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    card = client.get(reverse("my-qr"))
    assert "<svg" in card.content.decode() and person.full_name in card.content.decode()
    assert "no-store" in card["Cache-Control"]


@pytest.mark.django_db
def test_staff_print_a_card_only_for_persons_in_scope(commune_officer, province_admin, make_person):
    inside = make_person(province_admin)
    outside = make_person(province_admin, home_commune=MONG_CAI_COMMUNE)
    client = signed_in(commune_officer)
    assert (
        reverse("person-qr", args=[inside.pk])
        in client.get(reverse("person-detail", args=[inside.pk])).content.decode()
    )
    assert client.get(reverse("person-qr", args=[inside.pk])).status_code == 200
    assert client.get(reverse("person-qr", args=[outside.pk])).status_code == 404


@pytest.mark.django_db
def test_account_without_a_record_has_no_qr(commune_officer):
    assert signed_in(commune_officer).get(reverse("my-qr")).status_code == 404


# --- The scanner page and a venue's day ---------------------------------------------------------------


@pytest.mark.django_db
def test_scanner_page_offers_only_the_operators_venues(operator, venue, other_venue):
    page = signed_in(operator).get(reverse("scan")).content.decode()
    assert venue.code in page
    assert other_venue.code not in page
    assert "checkins/vendor/jsQR.js" in page and "checkins/scanner.js" in page
    assert "https://" not in page.split("<main", 1)[1]


@pytest.mark.django_db
def test_scanner_page_is_for_roles_that_add_check_ins(make_account, units, client):
    assert signed_in(make_account(Role.EPIDEMIOLOGIST, "22")).get(reverse("scan")).status_code == 404
    assert client.get(reverse("scan")).status_code == 302


@pytest.mark.django_db
def test_venue_today_counts_visits_without_personal_details(operator, venue, make_account):
    visitor = checkins.Visitor(phone="0912345678", name="Nguyễn Văn An")
    checkins.record_checkin(None, venue=venue, visitor=visitor, method=CheckInMethod.VENUE_QR)
    left = checkins.record_checkin(
        None, venue=venue, visitor=checkins.Visitor(phone="0912000111", name="Trần Bình"), method=CheckInMethod.VENUE_QR
    )
    checkins.check_out(left.checkin.uuid, visitor_phone="0912000111")
    response = signed_in(operator).get(reverse("venue-today", args=[venue.code]))
    page = response.content.decode()
    assert re.search(r'id="present-now">1<', page)
    assert re.search(r'id="visits-today">2<', page)
    assert "Nguyễn Văn An" not in page and "0912" not in page
    hour = timezone.localtime().hour
    assert f"{hour:02d}:00 – 2" in page


@pytest.mark.django_db
def test_another_venues_operator_gets_404(venue, other_venue, make_account):
    stranger = make_account(Role.VENUE_OPERATOR, username="operator-cafe")
    other_venue.operators.add(stranger)
    client = signed_in(stranger)
    assert client.get(reverse("venue-today", args=[venue.code])).status_code == 404
    assert client.get(reverse("venue-today", args=[other_venue.code])).status_code == 200


@pytest.mark.django_db
def test_staff_in_scope_see_the_venue_day_and_others_do_not(venue, commune_officer, make_account):
    assert signed_in(commune_officer).get(reverse("venue-today", args=[venue.code])).status_code == 200
    far = make_account(Role.COMMUNE_OFFICER, MONG_CAI_COMMUNE, username="officer-mong-cai")
    assert signed_in(far).get(reverse("venue-today", args=[venue.code])).status_code == 404


@pytest.mark.django_db
def test_personal_qr_token_fits_a_small_code(province_admin, make_person):
    token = personal_qr_token(make_person(province_admin))
    assert len(token) < 80
