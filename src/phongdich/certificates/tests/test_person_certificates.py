"""A person's vaccination certificate from the registry, the verify endpoint and the citizen's page."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.certificates import issuing, services
from phongdich.certificates.dcc import base45, hcert
from phongdich.certificates.models import SigningKey
from phongdich.core.errors import InvalidInput, NotFound
from phongdich.vaccination import services as vaccination

AZ = "EU/1/21/1529"
PFIZER = "EU/1/20/1528"
VERIFY = "/api/v1/certificates/verify"


@pytest.fixture
def signing_key(db: None) -> SigningKey:
    return services.rotate_key(None)


@pytest.fixture
def vaccinator(units, make_account):
    return make_account(Role.VACCINATOR, "06649", username="vaccinator-ha-khanh")


@pytest.fixture
def dao(vaccinator, make_person):
    return make_person(vaccinator, full_name="Nguyễn Thị Đào", sex="female", date_of_birth=dt.date(2001, 7, 15))


def dose(actor, person, n, product, date):
    return vaccination.record_vaccination(
        actor, vaccination.VaccinationInput(person=person.pk, dose_number=n, product=product, date=date)
    )


@pytest.fixture
def vaccinated_dao(vaccinator, dao):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    dose(vaccinator, dao, 2, AZ, dt.date(2021, 9, 10))
    return dao


def test_icao_transliteration():
    assert issuing.icao("Nguyễn") == "NGUYEN"
    assert issuing.icao("Thị Đào") == "THI<DAO"
    assert issuing.icao("  Lê-Văn  ") == "LE<VAN"


def test_issue_for_person_builds_the_dcc_from_the_latest_dose(signing_key, vaccinator, vaccinated_dao):
    issued = issuing.issue_for_person(vaccinator, vaccinated_dao.pk)
    verdict = services.verify_certificate(issued.payload)
    assert verdict.valid, (verdict.reason, verdict.detail, verdict.errors)
    payload = verdict.payload
    assert payload is not None
    assert payload["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Thị Đào", "gnt": "THI<DAO"}
    assert payload["dob"] == "2001-07-15"
    entry = payload["v"][0]
    assert entry["tg"] == "840539006"
    assert entry["vp"] == "J07BX03"
    assert entry["mp"] == AZ
    assert entry["ma"] == "ORG-100001699"
    assert entry["dn"] == 2
    assert entry["sd"] == 2
    assert entry["dt"] == "2021-09-10"
    assert entry["co"] == "VN"
    assert entry["is"] == "Sở Y tế tỉnh Quảng Ninh"
    assert entry["ci"].startswith("URN:UVCI:01:VN:")
    assert verdict.expires is not None
    assert issued.expires_at == verdict.expires
    assert issued.issued_at == verdict.issued_at
    event = AuditEvent.objects.filter(object_type="certificate").latest("pk")
    assert (event.action, event.object_id) == ("generate", str(issued.pk))
    assert event.detail["person"] == vaccinated_dao.pk
    assert "Nguyễn" not in str(event.detail)
    # Stored: asking again gives the same certificate, not a newly signed one.
    again = issuing.issue_for_person(vaccinator, vaccinated_dao.pk)
    assert (again.pk, again.hc1, again.uvci) == (issued.pk, issued.hc1, entry["ci"])
    assert AuditEvent.objects.filter(object_type="certificate").latest("pk").action == "view"


def test_issue_for_a_person_outside_scope_is_not_found(signing_key, units, make_account, vaccinated_dao):
    other = make_account(Role.COMMUNE_OFFICER, "06652", username="officer-ha-phong")
    with pytest.raises(NotFound):
        issuing.issue_for_person(other, vaccinated_dao.pk)


def test_issue_without_doses_names_the_person(signing_key, vaccinator, dao):
    with pytest.raises(InvalidInput) as excinfo:
        issuing.issue_for_person(vaccinator, dao.pk)
    assert [e.field for e in excinfo.value.errors] == ["person"]


def test_issue_api(signing_key, api_client, units, make_account, vaccinator, dao, vaccinated_dao):
    response = api_client(vaccinator).post(f"/api/v1/certificates/vaccination/{dao.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["payload"].startswith("HC1:")
    assert body["expires_at"]
    assert body["kind"] == "vaccination"
    assert body["uvci"] == body["dcc"]["v"][0]["ci"]
    assert body["revoked_at"] is None
    other = make_account(Role.COMMUNE_OFFICER, "06652", username="officer-ha-phong")
    assert api_client(other).post(f"/api/v1/certificates/vaccination/{dao.pk}").status_code == 404


def test_issue_api_without_doses_is_422_on_person(signing_key, api_client, vaccinator, dao):
    response = api_client(vaccinator).post(f"/api/v1/certificates/vaccination/{dao.pk}")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["person"]


# --- Verify endpoint ------------------------------------------------------------------------------


def _verify(client: Client, payload: str, **extra: object):
    return client.post(VERIFY, {"payload": payload, **extra}, content_type="application/json")


def test_verify_endpoint_accepts_an_issued_certificate(signing_key, api_client, units, make_account, vaccinated_dao):
    vaccinator = make_account(Role.VACCINATOR, "06649", username="v2")
    issued = issuing.issue_for_person(vaccinator, vaccinated_dao.pk)
    citizen = make_account(Role.CITIZEN, username="anyone")
    response = _verify(api_client(citizen), issued.payload)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["reason"] is None
    assert body["kid"] == signing_key.kid
    assert body["issuer"] == "VN"
    assert body["type"] == "v"
    assert body["holder"] == {"name": "Nguyễn Thị Đào", "date_of_birth": "2001-07-15"}
    assert body["payload"]["v"][0]["mp"] == AZ
    assert body["issued_at"] and body["expires_at"]
    later = _verify(api_client(citizen), issued.payload, at="2000-01-01T00:00:00Z").json()
    assert later["valid"] is False
    assert later["reason"] == "not_yet_valid"


def test_verify_endpoint_reports_a_flipped_byte(signing_key, api_client, commune_officer, vaccinated_dao):
    issued = issuing.issue_for_person(commune_officer, vaccinated_dao.pk)
    cose_bytes = bytearray(hcert.decompress(base45.decode(hcert.unprefix(issued.payload))))
    cose_bytes[-5] ^= 0x01  # inside the signature
    tampered = hcert.PREFIX + base45.encode(zlib.compress(bytes(cose_bytes)))
    body = _verify(api_client(commune_officer), tampered).json()
    assert body["valid"] is False
    assert body["reason"] == "bad_signature"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello", "bad_prefix"),
        ("HC1:\x00", "bad_base45"),
        ("", "bad_prefix"),
        ("HC1:!!!!", "bad_base45"),
        ("HC1:" + base45.encode(b"not zlib"), "bad_compression"),
    ],
)
def test_verify_endpoint_explains_garbage(signing_key, api_client, commune_officer, text, reason):
    response = _verify(api_client(commune_officer), text)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["reason"] == reason
    assert body["holder"] is None


@pytest.mark.parametrize("text", ["HC1:" + "A" * 9000, "HC1:\ud800"])
def test_verify_endpoint_refuses_an_oversized_or_unreadable_payload(api_client, commune_officer, text):
    response = _verify(api_client(commune_officer), text)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["payload"]


def test_verify_endpoint_needs_an_account(db):
    response = _verify(Client(), "HC1:")
    assert response.status_code == 401


# --- The citizen's page -------------------------------------------------------------------------------


def test_citizen_sees_their_certificate_qr(signing_key, units, make_account, vaccinated_dao):
    citizen = make_account(Role.CITIZEN, username="dao")
    citizen.person = vaccinated_dao
    citizen.save()
    client = Client()
    client.force_login(citizen)
    response = client.get(reverse("my-certificate"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "HC1:" in page
    assert "10/09/2021" in page or "2021-09-10" in page


def test_citizen_without_doses_is_told_so(signing_key, units, make_account, dao):
    citizen = make_account(Role.CITIZEN, username="dao")
    citizen.person = dao
    citizen.save()
    client = Client()
    client.force_login(citizen)
    response = client.get(reverse("my-certificate"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" not in page
    assert 'id="certificate"' not in page


def test_staff_do_not_have_the_citizen_page(commune_officer):
    client = Client()
    client.force_login(commune_officer)
    assert client.get(reverse("my-certificate")).status_code == 404
