"""The JSON API at /api/v1/, through the whole stack: URL, middleware, authentication, handlers, services."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.models import ApiToken
from phongdich.accounts.roles import Role
from phongdich.accounts.services import issue_token, revoke_token
from phongdich.audit.models import AuditEvent
from phongdich.core.memo import forget_all
from phongdich.people.models import Person

BORN = dt.date(1990, 5, 6)


def assert_error(response, status, *fields):
    """The one error shape: {"detail": str, "errors": [{"field", "message"}]}, naming ``fields``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
        assert isinstance(error["field"], str) and isinstance(error["message"], str) and error["message"]
    named = {error["field"] for error in body["errors"]}
    assert set(fields) <= named, (fields, body)
    return body


@pytest.fixture
def officer(commune_officer, api_client):
    """An API client of the Hà Khánh commune officer."""
    return api_client(commune_officer)


@pytest.fixture
def valid(make_cccd):
    return {
        "full_name": "Nguyễn Thị Đào",
        "sex": "female",
        "date_of_birth": BORN.isoformat(),
        "citizen_id": make_cccd(BORN, "female"),
        "phone": "0912 345 678",
        "home_commune": "06649",
        "address": "Tổ 7, khu 3",
    }


def _post(client, body, path="/api/v1/persons"):
    return client.post(path, body, content_type="application/json")


def _patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


def test_create_answers_201_with_the_record(officer, valid, commune_officer):
    response = _post(officer, valid)
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get()
    assert body["id"] == person.pk
    assert body["full_name"] == "Nguyễn Thị Đào"
    assert body["sex"] == "female"
    assert body["date_of_birth"] == "1990-05-06"
    assert body["citizen_id"] == valid["citizen_id"]
    assert body["phone"] == "+84912345678"
    assert body["phone_display"] == "0912 345 678"
    assert body["home_commune"] == "06649"
    assert body["home_commune_name"] == "Phường Hà Khánh"
    assert body["household"] is None
    assert person.name_key == "nguyen thi dao"
    assert AuditEvent.objects.filter(action="create", object_id=str(person.pk), actor=commune_officer).exists()


FUTURE = (timezone.localdate() + dt.timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    ("change", "status", "fields"),
    [
        ({"citizen_id": "02219000012"}, 422, ["citizen_id"]),  # 11 digits
        ({"citizen_id": "0221900001234567890"}, 422, ["citizen_id"]),  # 19 digits
        ({"citizen_id": "022186000123"}, 422, ["citizen_id"]),  # birth-year digits say 1986
        ({"citizen_id": "022090000123"}, 422, ["citizen_id"]),  # sex digit says male
        ({"citizen_id": "003190000123"}, 422, ["citizen_id"]),  # no province 003
        ({"phone": "0912"}, 422, ["phone"]),
        ({"phone": "0912 abc 678"}, 422, ["phone"]),
        ({"home_commune": "99999"}, 422, ["home_commune"]),
        ({"home_commune": "06727"}, 422, ["home_commune"]),  # another district's commune
        ({"date_of_birth": "not-a-date"}, 422, ["date_of_birth"]),
        ({"date_of_birth": "1990-02-30"}, 422, ["date_of_birth"]),
        ({"date_of_birth": FUTURE}, 422, ["date_of_birth"]),
        ({"sex": "x"}, 422, ["sex"]),
        ({"sex": None}, 422, ["sex"]),
        ({"full_name": 12345}, 422, ["full_name"]),
        ({"full_name": ["Đào"]}, 422, ["full_name"]),
        ({"full_name": "Nguyễn\x00 Thị Đào"}, 422, ["full_name"]),
        ({"full_name": "Nguy\ud800n Thị Đào"}, 422, ["full_name"]),  # a lone surrogate: not storable text
        ({"address": "Tổ \x00 7"}, 422, ["address"]),
        ({"full_name": "Đ" * 5000}, 422, ["full_name"]),
        ({"full_name": "   "}, 422, ["full_name"]),
        ({"household": "HK-MISSING"}, 422, ["household"]),
        ({"phone": "0912", "citizen_id": "12"}, 422, ["phone", "citizen_id"]),
    ],
)
def test_bad_input_answers_4xx_naming_the_field_and_stores_nothing(officer, valid, change, status, fields):
    response = _post(officer, {**valid, **change})
    assert_error(response, status, *fields)
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create").exists()


def test_missing_fields_are_all_named(officer):
    response = _post(officer, {})
    assert_error(response, 422, "full_name", "sex", "date_of_birth", "home_commune")
    assert Person.objects.count() == 0


@pytest.mark.parametrize("body", ["[]", '"a string"', "null", "42"])
def test_a_body_that_is_not_an_object_is_422(officer, body):
    response = officer.post("/api/v1/persons", body, content_type="application/json")
    assert_error(response, 422)
    assert Person.objects.count() == 0


def test_malformed_json_is_a_4xx_in_the_error_shape(officer):
    response = officer.post("/api/v1/persons", '{"full_name": ', content_type="application/json")
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert Person.objects.count() == 0


def test_duplicate_citizen_id_is_409_with_the_existing_record(officer, valid):
    first = _post(officer, valid).json()
    response = _post(officer, {**valid, "full_name": "Trần Thị Đào", "phone": "0987654321"})
    body = assert_error(response, 409, "citizen_id")
    assert body["existing_id"] == first["id"]
    assert Person.objects.count() == 1


def test_duplicate_citizen_id_outside_the_area_is_409_without_the_record(units, make_account, api_client, valid):
    mong_cai = api_client(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert _post(mong_cai, {**valid, "home_commune": "06727"}).status_code == 201
    ha_khanh = api_client(make_account(Role.COMMUNE_OFFICER, "06649"))
    body = assert_error(_post(ha_khanh, valid), 409, "citizen_id")
    assert "existing_id" not in body
    assert Person.objects.count() == 1


def test_same_person_written_differently_is_409(officer, valid):
    first = _post(officer, {**valid, "citizen_id": None}).json()
    again = {**valid, "citizen_id": None, "full_name": "nguyen thi dao", "phone": "+84 912 345 678"}
    body = assert_error(_post(officer, again), 409, "full_name")
    assert body["existing_id"] == first["id"]


# Reading


@pytest.fixture
def elsewhere(units, make_account, make_person):
    """A person in Móng Cái, outside the Hà Khánh officer's area."""
    return make_person(make_account(Role.COMMUNE_OFFICER, "06727"), home_commune="06727", full_name="Lê Văn Chiến")


def test_read_a_person(officer, commune_officer, make_person):
    person = make_person(commune_officer, full_name="Nguyễn Văn An")
    response = officer.get(f"/api/v1/persons/{person.pk}")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Nguyễn Văn An"
    assert AuditEvent.objects.filter(action="view", object_id=str(person.pk)).count() == 1


def test_another_communes_person_looks_missing(officer, elsewhere):
    hidden = officer.get(f"/api/v1/persons/{elsewhere.pk}")
    missing = officer.get(f"/api/v1/persons/{elsewhere.pk + 100_000}")
    assert_error(hidden, 404)
    assert hidden.json() == missing.json() == assert_error(missing, 404)
    assert "Chiến" not in hidden.content.decode()
    assert not AuditEvent.objects.filter(action="view").exists()


@pytest.mark.parametrize("person_id", ["99999999999999999999", str(2**63), "0", "-1", "abc", "1.5"])
def test_malformed_ids_are_404_or_422_never_500(officer, person_id):
    response = officer.get(f"/api/v1/persons/{person_id}")
    assert response.status_code in (404, 422)
    assert_error(response, response.status_code)
    for response in (
        _patch(officer, f"/api/v1/persons/{person_id}", {"phone": "0912345678"}),
        _post(officer, {"duplicate_id": 1}, f"/api/v1/persons/{person_id}/merge"),
        officer.get(f"/api/v1/persons/{person_id}/duplicates"),
    ):
        assert response.status_code in (404, 422), response.content
        assert_error(response, response.status_code)


def test_citizens_see_their_own_record_and_leaders_none(units, commune_officer, make_person, make_account, api_client):
    own = make_person(commune_officer, full_name="Nguyễn Văn An")
    neighbour = make_person(commune_officer, full_name="Trần Thị Bình")
    citizen = make_account(Role.CITIZEN, username="an")
    citizen.person = own
    citizen.save()
    client = api_client(citizen)
    assert client.get(f"/api/v1/persons/{own.pk}").status_code == 200
    assert_error(client.get(f"/api/v1/persons/{neighbour.pk}"), 404)
    assert [item["id"] for item in client.get("/api/v1/persons").json()["items"]] == [own.pk]
    stranger = {"full_name": "Lê Văn Chiến", "sex": "male", "date_of_birth": "1980-01-01", "home_commune": "06649"}
    assert_error(_post(client, stranger), 404)  # citizens may not register persons
    leader = api_client(make_account(Role.LEADER, "22"))
    assert leader.get("/api/v1/persons").json()["count"] == 0
    assert_error(leader.get(f"/api/v1/persons/{own.pk}"), 404)
    assert Person.objects.count() == 2


# Authentication


def test_no_credentials_is_401_in_the_error_shape(units):
    client = Client()
    for path in ("/api/v1/persons", "/api/v1/persons/1", "/api/v1/units", "/api/v1/tokens"):
        body = assert_error(client.get(path), 401)
        assert body["errors"] == []
    assert_error(_post(client, {"full_name": "x"}), 401)
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    "header", ["Bearer pd_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 300]
)
def test_bad_credentials_are_401(units, header):
    assert_error(Client(headers={"Authorization": header}).get("/api/v1/persons"), 401)


def test_revoked_token_is_401(commune_officer):
    token, secret = issue_token(commune_officer, label="t")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/persons").status_code == 200
    revoke_token(commune_officer, token.pk)
    assert_error(client.get("/api/v1/persons"), 401)


def test_expired_token_is_401(commune_officer):
    token, secret = issue_token(commune_officer, label="t", expires_at=timezone.now() + dt.timedelta(days=1))
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/persons").status_code == 200
    # Time passes: the worker's copy of the token is checked on every request, so it expires on time.
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert_error(client.get("/api/v1/persons"), 401)
    # Changed behind the application's back (a direct SQL update): noticed once the worker's copy is dropped.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    forget_all()
    assert_error(client.get("/api/v1/persons"), 401)


def test_an_inactive_accounts_token_is_401(commune_officer, api_client):
    client = api_client(commune_officer)
    commune_officer.is_active = False
    commune_officer.save()
    assert_error(client.get("/api/v1/persons"), 401)


def test_token_use_is_recorded(commune_officer):
    token, secret = issue_token(commune_officer, label="t")
    assert token.last_used_at is None
    Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/units?page_size=1")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_a_signed_in_session_works_and_is_csrf_protected(commune_officer, valid):
    client = Client(enforce_csrf_checks=True)
    client.force_login(commune_officer)
    assert client.get("/api/v1/persons").status_code == 200
    response = _post(client, valid)
    assert response.status_code == 403
    assert_error(response, 403)
    assert Person.objects.count() == 0


# Search and pagination


@pytest.fixture
def five(commune_officer, make_person):
    names = ["Nguyễn Văn An", "Nguyễn Văn Bình", "Nguyễn Văn Cường", "Nguyễn Văn Dũng", "Nguyễn Văn Em"]
    return [make_person(commune_officer, full_name=name) for name in names]


def test_search_pages(officer, five, elsewhere):
    response = officer.get("/api/v1/persons", {"q": "nguyen van", "page": 2, "page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (5, 2, 2, 3)
    assert [item["full_name"] for item in body["items"]] == ["Nguyễn Văn Cường", "Nguyễn Văn Dũng"]
    last = officer.get("/api/v1/persons", {"q": "nguyen van", "page": 3, "page_size": 2}).json()
    assert [item["full_name"] for item in last["items"]] == ["Nguyễn Văn Em"]
    beyond = officer.get("/api/v1/persons", {"q": "nguyen van", "page": 9, "page_size": 2}).json()
    assert beyond["items"] == [] and beyond["count"] == 5
    everyone = officer.get("/api/v1/persons").json()
    assert everyone["count"] == 5  # the Móng Cái person is not in the officer's list
    assert everyone["page_size"] == 25


def test_search_records_the_ids_shown(officer, five):
    body = officer.get("/api/v1/persons", {"q": "nguyen van", "page_size": 2}).json()
    event = AuditEvent.objects.get(action="list")
    assert event.object_ids.split() == [str(item["id"]) for item in body["items"]]
    assert event.channel == "api"
    assert event.detail == {"criteria": ["q"]}


def test_search_by_phone_and_citizen_id(officer, valid):
    created = _post(officer, valid).json()
    for params in ({"q": "+84 912 345 678"}, {"phone": "0912345678"}, {"citizen_id": valid["citizen_id"]}):
        body = officer.get("/api/v1/persons", params).json()
        assert [item["id"] for item in body["items"]] == [created["id"]], params


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 500}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_search_parameters_are_422(officer, params, field):
    assert_error(officer.get("/api/v1/persons", params), 422, field)


# Changing and merging


def test_patch_changes_the_phone(officer, commune_officer, make_person):
    person = make_person(commune_officer, phone="0912345678")
    response = _patch(officer, f"/api/v1/persons/{person.pk}", {"phone": "0987 654 321"})
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+84987654321"
    assert response.json()["phone_display"] == "0987 654 321"
    person.refresh_from_db()
    assert person.phone == "+84987654321"
    assert person.full_name == response.json()["full_name"]  # untouched fields stay


def test_patch_rejects_a_birth_date_contradicting_the_cccd(officer, valid):
    created = _post(officer, valid).json()
    response = _patch(officer, f"/api/v1/persons/{created['id']}", {"date_of_birth": "1991-05-06"})
    assert_error(response, 422, "date_of_birth")
    assert Person.objects.get().date_of_birth == BORN


def test_patch_clears_with_empty_strings(officer, valid):
    created = _post(officer, valid).json()
    response = _patch(officer, f"/api/v1/persons/{created['id']}", {"citizen_id": "", "phone": ""})
    assert response.status_code == 200
    assert response.json()["citizen_id"] is None and response.json()["phone"] == ""


def test_patch_outside_the_area_is_404(officer, elsewhere):
    assert_error(_patch(officer, f"/api/v1/persons/{elsewhere.pk}", {"phone": "0987654321"}), 404)
    elsewhere.refresh_from_db()
    assert elsewhere.phone != "+84987654321"


def test_patch_with_bad_types_is_422(officer, commune_officer, make_person):
    person = make_person(commune_officer)
    assert_error(_patch(officer, f"/api/v1/persons/{person.pk}", {"date_of_birth": "not-a-date"}), 422, "date_of_birth")
    assert_error(_patch(officer, f"/api/v1/persons/{person.pk}", {"full_name": "x\x00"}), 422, "full_name")


@pytest.fixture
def district(district_officer, api_client):
    return api_client(district_officer)


def test_merge_endpoint(district, district_officer, make_person, make_cccd, make_account):
    survivor = make_person(district_officer, full_name="Nguyễn Văn An", phone="")
    cccd = make_cccd(dt.date(1985, 3, 12), "male")
    duplicate = make_person(district_officer, full_name="Nguyễn Văn An", home_commune="06652", citizen_id=cccd)
    account = make_account(Role.CITIZEN, username="an")
    account.person = duplicate
    account.save()
    duplicates = district.get(f"/api/v1/persons/{survivor.pk}/duplicates").json()
    assert [item["id"] for item in duplicates] == [duplicate.pk]

    response = _post(district, {"duplicate_id": duplicate.pk}, f"/api/v1/persons/{survivor.pk}/merge")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survivor"]["id"] == survivor.pk
    assert body["survivor"]["citizen_id"] == cccd
    assert body["merged_person_id"] == duplicate.pk
    assert body["moved"] == {"accounts.user": 1}
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    account.refresh_from_db()
    assert account.person_id == survivor.pk
    assert_error(district.get(f"/api/v1/persons/{duplicate.pk}"), 404)


def test_merge_refusals(district, officer, district_officer, make_person, elsewhere):
    mine = make_person(district_officer)
    other = make_person(district_officer)
    path = f"/api/v1/persons/{mine.pk}/merge"
    assert_error(_post(district, {"duplicate_id": mine.pk}, path), 422, "duplicate_id")
    assert_error(_post(district, {"duplicate_id": elsewhere.pk}, path), 404)
    assert_error(_post(district, {"duplicate_id": 2**70}, path), 422, "duplicate_id")
    assert_error(_post(district, {}, path), 422, "duplicate_id")
    assert_error(_post(officer, {"duplicate_id": other.pk}, path), 404)  # commune officers may not merge
    assert Person.objects.count() == 3


# Documentation and units


def test_openapi_schema_is_served(units):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/persons" in schema["paths"]
    assert "/api/v1/persons/{person_id}" in schema["paths"]
    assert "/api/v1/units" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/persons"]


def test_docs_use_local_static_files_only(units):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html.lower()
    # Every script, style and link is served by the platform itself: no address with a host of its own.
    # (A bare substring check for "cdn" fails when a random CSRF token happens to contain it.)
    addresses = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert addresses and not [a for a in addresses if a.startswith(("http:", "https:", "//"))]
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    bundle = next(src for src in scripts if "swagger-ui-bundle" in src)
    assert Client().get(bundle).status_code == 200  # served by the app itself


def test_units_list_and_filters(officer):
    body = officer.get("/api/v1/units", {"level": "commune"}).json()
    assert body["count"] == 177
    assert all(item["level"] == "commune" for item in body["items"])
    assert body["page_size"] == 50 and body["pages"] == 4
    districts = officer.get("/api/v1/units", {"level": "district"}).json()
    assert districts["count"] == 13
    assert officer.get("/api/v1/units", {"parent": "193"}).json()["count"] == 33


def test_units_search_ignores_diacritics(officer):
    body = officer.get("/api/v1/units", {"q": "ha khanh"}).json()
    assert [(item["code"], item["name"]) for item in body["items"]] == [("06649", "Phường Hà Khánh")]
    item = body["items"][0]
    assert item["parent"] == "193" and item["kind"] == "phuong"
    assert sum(item["age_bands"].values()) == item["population"] and item["age_bands_estimated"]
    assert officer.get("/api/v1/units", {"q": "HÀ KHÁNH"}).json()["count"] == 1


@pytest.mark.parametrize(("params", "field"), [({"level": "village"}, "level"), ({"page_size": 500}, "page_size")])
def test_bad_unit_parameters_are_422(officer, params, field):
    assert_error(officer.get("/api/v1/units", params), 422, field)


# Tokens


def test_token_lifecycle_over_the_api(commune_officer, api_client):
    client = api_client(commune_officer)
    response = _post(client, {"label": "Máy tính bảng"}, "/api/v1/tokens")
    assert response.status_code == 201
    created = response.json()
    secret = created["token"]
    assert not ApiToken.objects.filter(key_hash=secret).exists()
    assert ApiToken.objects.get(pk=created["id"]).key_hash == ApiToken.hash(secret)
    listed = client.get("/api/v1/tokens").json()
    assert created["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)
    fresh = Client(headers={"Authorization": f"Bearer {secret}"})
    assert fresh.get("/api/v1/persons").status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{created['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_error(fresh.get("/api/v1/persons"), 401)


def test_another_users_token_cannot_be_revoked_over_the_api(commune_officer, district_officer, api_client):
    theirs, _secret = issue_token(district_officer, label="theirs")
    client = api_client(commune_officer)
    assert_error(client.delete(f"/api/v1/tokens/{theirs.pk}"), 404)
    assert_error(client.delete("/api/v1/tokens/99999999999999999999"), 422)
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert theirs.pk not in [t["id"] for t in client.get("/api/v1/tokens").json()]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"label": ""}, "label"), ({"label": "x", "kind": "robot"}, "kind"), ({"label": "a\x00"}, "label")],
)
def test_bad_token_requests_are_422(commune_officer, api_client, body, field):
    client = api_client(commune_officer)
    assert_error(_post(client, body, "/api/v1/tokens"), 422, field)
    assert ApiToken.objects.filter(user=commune_officer).count() == 1
