"""Stored certificates: reuse, re-issue, revocation; test and recovery certificates; the PDF; scope and audit."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.certificates import issuing, services
from phongdich.certificates.dcc import schema
from phongdich.certificates.models import IssuedCertificate, SigningKey
from phongdich.core.errors import Conflict, InvalidInput, NotFound
from phongdich.testing import services as testing
from phongdich.vaccination import services as vaccination

AZ = "EU/1/21/1529"
PFIZER = "EU/1/20/1528"


@pytest.fixture
def signing_key(db: None) -> SigningKey:
    return services.rotate_key(None)


@pytest.fixture
def vaccinator(units, make_account):
    return make_account(Role.VACCINATOR, "06649", username="vaccinator-ha-khanh")


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "06649", username="lab-ha-khanh")


@pytest.fixture
def dao(vaccinator, make_person):
    return make_person(vaccinator, full_name="Nguyễn Thị Đào", sex="female", date_of_birth=dt.date(2001, 7, 15))


@pytest.fixture
def citizen(make_account, dao):
    account = make_account(Role.CITIZEN, username="dao")
    account.person = dao
    account.save()
    return account


def dose(actor, person, n, product, date):
    return vaccination.record_vaccination(
        actor, vaccination.VaccinationInput(person=person.pk, dose_number=n, product=product, date=date)
    )


def sample(actor, person, *, test_type="rt_pcr", result="negative", hours_ago=5, site="Trạm y tế phường Hà Khánh"):
    taken = timezone.now() - dt.timedelta(hours=hours_ago)
    recorded = testing.record_sample(
        actor,
        testing.SampleInput(
            person=person.pk,
            test_type=test_type,
            taken_at=taken,
            site=site,
            result=result,
            reported_at=taken + dt.timedelta(hours=1) if result else None,
        ),
    )
    return recorded.result if result else recorded.sample


# --- Stored vaccination certificates --------------------------------------------------------------


def test_the_certificate_is_stored_and_given_back_until_a_newer_dose(signing_key, vaccinator, dao):
    first_dose = dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    first = issuing.issue_for_person(vaccinator, dao.pk)
    stored = IssuedCertificate.objects.get()
    assert (stored.pk, stored.kind, stored.person, stored.kid) == (first.pk, "vaccination", dao, signing_key.kid)
    assert stored.source == f"dose:{first_dose.pk}"
    assert stored.dcc["v"][0]["dn"] == 1
    assert stored.uvci == stored.dcc["v"][0]["ci"]
    assert services.verify_certificate(stored.hc1).payload == stored.dcc
    assert issuing.issue_for_person(vaccinator, dao.pk).hc1 == first.hc1
    assert IssuedCertificate.objects.count() == 1
    # A second dose: a new certificate; the first stays on record.
    dose(vaccinator, dao, 2, AZ, dt.date(2021, 9, 10))
    second = issuing.issue_for_person(vaccinator, dao.pk)
    assert second.pk != first.pk and second.uvci != first.uvci
    assert second.dcc["v"][0]["dn"] == 2
    assert IssuedCertificate.objects.count() == 2


def test_an_expired_certificate_is_replaced(signing_key, vaccinator, dao):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    first = issuing.issue_for_person(vaccinator, dao.pk)
    later = first.expires_at + dt.timedelta(minutes=1)
    services.rotate_key(None, now=later - dt.timedelta(days=1))
    renewed = issuing.issue_for_person(vaccinator, dao.pk, now=later)
    assert renewed.pk != first.pk
    assert renewed.expires_at > later


def test_a_corrected_name_gives_a_new_certificate(signing_key, vaccinator, commune_officer, dao):
    from phongdich.people import services as people

    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    first = issuing.issue_for_person(vaccinator, dao.pk)
    people.update_person(commune_officer, dao.pk, people.PersonInput(full_name="Nguyễn Thị Đào Hoa"))
    renewed = issuing.issue_for_person(vaccinator, dao.pk)
    assert renewed.pk != first.pk
    assert renewed.dcc["nam"]["gn"] == "Thị Đào Hoa"


def test_citizen_page_shows_the_stored_certificate_without_signing_again(signing_key, vaccinator, dao, citizen):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    client = Client()
    client.force_login(citizen)
    first_page = client.get(reverse("my-certificate")).content.decode()
    stored = IssuedCertificate.objects.get()
    assert stored.hc1 in first_page
    second_page = client.get(reverse("my-certificate")).content.decode()
    assert stored.hc1 in second_page
    assert IssuedCertificate.objects.count() == 1
    assert reverse("certificate-pdf", args=[stored.pk]) in second_page


def test_revocation_is_audited_answered_by_the_verifier_and_not_undone_by_the_citizen_page(
    signing_key, vaccinator, commune_officer, dao, citizen
):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    certificate = issuing.issue_for_person(vaccinator, dao.pk)
    with pytest.raises(NotFound):  # vaccinators issue, officers revoke
        issuing.revoke_certificate(vaccinator, certificate.pk, "Sai thông tin")
    with pytest.raises(InvalidInput):
        issuing.revoke_certificate(commune_officer, certificate.pk, "  ")
    revoked = issuing.revoke_certificate(commune_officer, certificate.pk, "Sai ngày tiêm")
    assert revoked.revoked_at is not None and revoked.revoke_reason == "Sai ngày tiêm"
    assert revoked.revoked_by == commune_officer
    event = AuditEvent.objects.filter(object_type="certificate", action="update").get()
    assert event.object_id == str(certificate.pk) and event.detail == {"person": dao.pk, "revoked": True}
    with pytest.raises(Conflict):
        issuing.revoke_certificate(commune_officer, certificate.pk, "Lần nữa")
    verdict = services.verify_certificate(certificate.hc1)
    assert (verdict.valid, verdict.reason) == (False, "revoked")
    # Before the revocation it was valid.
    assert revoked.revoked_at > certificate.issued_at
    assert services.verify_certificate(certificate.hc1, at=certificate.issued_at).valid
    # The citizen's page does not sign the same again; an officer may issue anew.
    client = Client()
    client.force_login(citizen)
    page = client.get(reverse("my-certificate")).content.decode()
    assert certificate.hc1 not in page and "<svg" not in page
    assert IssuedCertificate.objects.count() == 1
    renewed = issuing.issue_for_person(commune_officer, dao.pk)
    assert renewed.pk != certificate.pk and renewed.revoked_at is None


def test_revoke_api(signing_key, api_client, vaccinator, commune_officer, units, make_account, dao):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    certificate = issuing.issue_for_person(vaccinator, dao.pk)
    url = f"/api/v1/certificates/issued/{certificate.pk}/revoke"
    outsider = make_account(Role.COMMUNE_OFFICER, "06652", username="officer-ha-phong")
    assert api_client(outsider).post(url, {"reason": "x"}, content_type="application/json").status_code == 404
    response = api_client(commune_officer).post(url, {"reason": ""}, content_type="application/json")
    assert response.status_code == 422
    response = api_client(commune_officer).post(url, {"reason": "Cấp nhầm"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] and response.json()["revoke_reason"] == "Cấp nhầm"
    assert api_client(commune_officer).post(url, {"reason": "x"}, content_type="application/json").status_code == 409
    listing = api_client(commune_officer).get(f"/api/v1/certificates/issued?person={dao.pk}")
    assert [row["id"] for row in listing.json()] == [certificate.pk]
    assert api_client(outsider).get(f"/api/v1/certificates/issued?person={dao.pk}").status_code == 404
    detail = api_client(commune_officer).get(f"/api/v1/certificates/issued/{certificate.pk}")
    assert detail.json()["uvci"] == certificate.uvci
    assert api_client(outsider).get(f"/api/v1/certificates/issued/{certificate.pk}").status_code == 404


def test_citizens_see_only_their_own(signing_key, vaccinator, make_person, citizen, dao):
    other = make_person(vaccinator, full_name="Trần Văn Nam", date_of_birth=dt.date(1990, 1, 1))
    dose(vaccinator, other, 1, AZ, dt.date(2021, 8, 1))
    theirs = issuing.issue_for_person(vaccinator, other.pk)
    with pytest.raises(NotFound):
        issuing.get_certificate(citizen, theirs.pk)
    with pytest.raises(NotFound):
        issuing.issue_for_person(citizen, other.pk)
    client = Client()
    client.force_login(citizen)
    assert client.get(reverse("certificate-pdf", args=[theirs.pk])).status_code == 404


# --- Test certificates -------------------------------------------------------------------------------


def test_a_negative_rt_pcr_gives_a_test_certificate(signing_key, lab, dao):
    result = sample(lab, dao)
    certificate = issuing.test_certificate(lab, result.pk)
    entry = certificate.dcc["t"][0]
    taken = result.sample.taken_at.astimezone(dt.UTC)
    assert entry == {
        "tg": "840539006",
        "tt": "LP6464-4",
        "sc": taken.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tr": "260415000",
        "tc": "Trạm y tế phường Hà Khánh",
        "co": "VN",
        "is": "Sở Y tế tỉnh Quảng Ninh",
        "ci": certificate.uvci,
    }
    assert schema.errors(certificate.dcc) == []
    verdict = services.verify_certificate(certificate.hc1)
    assert verdict.valid and verdict.kind == "t"
    assert certificate.expires_at - certificate.issued_at <= dt.timedelta(days=issuing.TEST_CERTIFICATE_DAYS)
    assert issuing.test_certificate(lab, result.pk).pk == certificate.pk
    event = AuditEvent.objects.filter(object_type="certificate", action="generate").get()
    assert event.detail["source"] == f"result:{result.pk}"


def test_a_rapid_antigen_test_names_its_device_from_the_value_set(signing_key, commune_officer, dao):
    result = sample(commune_officer, dao, test_type="antigen", result="positive")
    with pytest.raises(InvalidInput) as raised:
        issuing.test_certificate(commune_officer, result.pk, device="9999")
    assert [e.field for e in raised.value.errors] == ["device"]
    certificate = issuing.test_certificate(commune_officer, result.pk, device="1232")
    entry = certificate.dcc["t"][0]
    assert (entry["tt"], entry["ma"], entry["tr"]) == ("LP217198-3", "1232", "260373001")
    assert services.verify_certificate(certificate.hc1).valid


def test_results_that_do_not_qualify(signing_key, lab, commune_officer, dao, citizen):
    pcr = sample(lab, dao)
    with pytest.raises(InvalidInput) as raised:  # a device for an RT-PCR
        issuing.test_certificate(lab, pcr.pk, device="1232")
    assert [e.field for e in raised.value.errors] == ["device"]
    invalid = sample(lab, dao, result="invalid")
    with pytest.raises(InvalidInput) as raised:
        issuing.test_certificate(lab, invalid.pk)
    assert [e.field for e in raised.value.errors] == ["result"]
    testing.revoke_result(lab, pcr.pk, "Nhầm mẫu")
    with pytest.raises(InvalidInput):
        issuing.test_certificate(lab, pcr.pk)
    self_test = sample(citizen, dao, test_type="self_test", result="negative")
    with pytest.raises(InvalidInput) as raised:
        issuing.test_certificate(commune_officer, self_test.pk)
    assert [e.field for e in raised.value.errors] == ["result"]
    with pytest.raises(NotFound):
        issuing.test_certificate(lab, 10**9)
    assert not IssuedCertificate.objects.exists()


def test_test_certificate_api(signing_key, api_client, lab, units, make_account, dao):
    result = sample(lab, dao, test_type="antigen")
    response = api_client(lab).post(f"/api/v1/certificates/test/{result.pk}?device=345")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "test" and body["dcc"]["t"][0]["ma"] == "345"
    assert body["payload"].startswith("HC1:")
    # Without a body: no device named.
    other = sample(lab, dao, test_type="rt_pcr", hours_ago=30)
    response = api_client(lab).post(f"/api/v1/certificates/test/{other.pk}")
    assert response.status_code == 200 and "ma" not in response.json()["dcc"]["t"][0]
    outsider = make_account(Role.LAB_TECHNICIAN, "06652", username="lab-ha-phong")
    assert api_client(outsider).post(f"/api/v1/certificates/test/{result.pk}").status_code == 404
    leader = make_account(Role.LEADER, "22", username="leader")
    assert api_client(leader).post(f"/api/v1/certificates/test/{result.pk}").status_code == 404
    assert api_client(lab).post(f"/api/v1/certificates/test/{2**70}").status_code in (404, 422)


# --- Recovery certificates ---------------------------------------------------------------------------


def test_recovery_certificate_from_the_first_positive_test(signing_key, lab, commune_officer, dao):
    with pytest.raises(InvalidInput) as raised:
        issuing.recovery_certificate(commune_officer, dao.pk)
    assert [e.field for e in raised.value.errors] == ["person"]
    sample(lab, dao, result="negative", hours_ago=24 * 20)
    first = sample(lab, dao, result="positive", hours_ago=24 * 12)
    sample(lab, dao, result="positive", hours_ago=24 * 5)
    certificate = issuing.recovery_certificate(commune_officer, dao.pk)
    day = timezone.localtime(first.sample.taken_at).date()
    assert certificate.dcc["r"][0] == {
        "tg": "840539006",
        "fr": day.isoformat(),
        "co": "VN",
        "is": "Sở Y tế tỉnh Quảng Ninh",
        "df": (day + dt.timedelta(days=11)).isoformat(),
        "du": (day + dt.timedelta(days=180)).isoformat(),
        "ci": certificate.uvci,
    }
    assert certificate.source == f"sample:{first.sample.pk}"
    assert services.verify_certificate(certificate.hc1).valid
    # The certificate lasts to the end of its last valid day, no longer.
    assert timezone.localtime(certificate.expires_at).date() <= day + dt.timedelta(days=181)
    assert issuing.recovery_certificate(commune_officer, dao.pk).pk == certificate.pk
    response_after = dt.timedelta(days=200)
    with pytest.raises(InvalidInput):
        issuing.recovery_certificate(commune_officer, dao.pk, now=timezone.now() + response_after)


def test_recovery_api(signing_key, api_client, lab, commune_officer, dao):
    sample(lab, dao, result="positive", hours_ago=24 * 15)
    response = api_client(commune_officer).post(f"/api/v1/certificates/recovery/{dao.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "recovery"


def test_citizen_page_lists_test_and_recovery_certificates(signing_key, lab, commune_officer, dao, citizen):
    result = sample(lab, dao)
    test_certificate = issuing.test_certificate(lab, result.pk)
    client = Client()
    client.force_login(citizen)
    page = client.get(reverse("my-certificate")).content.decode()
    assert test_certificate.hc1 in page
    assert 'data-kind="test"' in page


# --- Signing keys that expired ----------------------------------------------------------------------


def test_a_certificate_signed_by_a_key_since_expired_is_expired_not_unknown(db, vaccinator, dao):
    now = timezone.now()
    key = services.rotate_key(None, days=10, now=now)
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    certificate = issuing.issue_for_person(vaccinator, dao.pk, now=now)
    assert certificate.expires_at <= key.not_after
    verdict = services.verify_certificate(certificate.hc1, at=now + dt.timedelta(days=11))
    assert (verdict.valid, verdict.reason) == (False, "expired")


# --- The PDF -----------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text(), str(reader.metadata.get("/Keywords", ""))


def test_the_citizen_downloads_their_bilingual_pdf(signing_key, vaccinator, dao, citizen):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    dose(vaccinator, dao, 2, AZ, dt.date(2021, 9, 10))
    certificate = issuing.issue_for_person(vaccinator, dao.pk)
    client = Client()
    client.force_login(citizen)
    response = client.get(reverse("certificate-pdf", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text, keywords = _pdf_text(response.content)
    assert keywords == certificate.uvci
    for expected in (
        "CHỨNG NHẬN TIÊM CHỦNG COVID-19",
        "COVID-19 vaccination certificate",
        "Nguyễn Thị Đào",
        "NGUYEN<<THI<DAO",
        "15/07/2001",
        "Ngày sinh",
        "Date of birth",
        "2/2",
        "10/09/2021",
        "Sở Y tế tỉnh Quảng Ninh",
        certificate.uvci,
    ):
        assert expected in text, expected
    # Vietnamese first, English second.
    assert text.index("Ngày sinh") < text.index("Date of birth")
    event = AuditEvent.objects.filter(object_type="certificate", action="export").get()
    assert event.object_id == str(certificate.pk)


def test_officers_download_any_in_scope(signing_key, lab, commune_officer, units, make_account, dao):
    result = sample(lab, dao, test_type="antigen")
    certificate = issuing.test_certificate(lab, result.pk, device="1232")
    client = Client()
    client.force_login(commune_officer)
    response = client.get(reverse("certificate-pdf", args=[certificate.pk]))
    assert response.status_code == 200
    text, _keywords = _pdf_text(response.content)
    for expected in ("CHỨNG NHẬN XÉT NGHIỆM COVID-19", "Xét nghiệm nhanh kháng nguyên", "Rapid antigen test", "Panbio"):
        assert expected in text, expected
    outsider = make_account(Role.COMMUNE_OFFICER, "06652", username="officer-ha-phong")
    client.force_login(outsider)
    assert client.get(reverse("certificate-pdf", args=[certificate.pk])).status_code == 404


def test_recovery_pdf(signing_key, lab, commune_officer, dao):
    from phongdich.certificates import pdf

    sample(lab, dao, result="positive", hours_ago=24 * 15)
    certificate = issuing.recovery_certificate(commune_officer, dao.pk)
    text, _keywords = _pdf_text(pdf.certificate_pdf(certificate))
    assert "CHỨNG NHẬN KHỎI BỆNH COVID-19" in text and "Valid until" in text


# --- The officers' screen ----------------------------------------------------------------------------


def test_officer_screen_issues_lists_and_revokes(
    signing_key, vaccinator, lab, commune_officer, units, make_account, dao
):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    result = sample(lab, dao, test_type="antigen")
    url = reverse("certificate-person", args=[dao.pk])
    client = Client()
    client.force_login(commune_officer)
    page = client.get(url).content.decode()
    assert "Nguyễn Thị Đào" in page and f'name="result" value="{result.pk}"' in page
    assert client.post(url, {"action": "vaccination"}).status_code == 302
    assert client.post(url, {"action": "test", "result": result.pk, "device": "1232"}).status_code == 302
    response = client.post(url, {"action": "recovery"}, follow=True)  # no positive test: told so, nothing stored
    assert response.status_code == 200
    assert sorted(IssuedCertificate.objects.values_list("kind", flat=True)) == ["test", "vaccination"]
    test_certificate = IssuedCertificate.objects.get(kind="test")
    assert test_certificate.dcc["t"][0]["ma"] == "1232"
    page = client.get(url).content.decode()
    assert test_certificate.uvci in page and reverse("certificate-pdf", args=[test_certificate.pk]) in page
    client.post(url, {"action": "revoke", "certificate": test_certificate.pk, "reason": "Nhầm thiết bị"})
    test_certificate.refresh_from_db()
    assert test_certificate.revoke_reason == "Nhầm thiết bị"
    assert client.post(url, {"action": "nonsense"}).status_code == 404
    # Out of scope: the person, and a result or certificate of someone else, are not found.
    outsider = make_account(Role.COMMUNE_OFFICER, "06652", username="officer-ha-phong")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "vaccination"}).status_code == 404
    leader = make_account(Role.LEADER, "22", username="leader")
    client.force_login(leader)
    assert client.get(url).status_code == 404


def test_citizen_page_without_a_signing_key_shows_the_stored_certificate_or_nothing(vaccinator, dao, citizen):
    dose(vaccinator, dao, 1, AZ, dt.date(2021, 8, 1))
    client = Client()
    client.force_login(citizen)
    response = client.get(reverse("my-certificate"))  # no key ever made: no certificate, no error
    assert response.status_code == 200 and "<svg" not in response.content.decode()
    key = services.rotate_key(None)
    stored = issuing.issue_for_person(vaccinator, dao.pk)
    dose(vaccinator, dao, 2, AZ, dt.date(2021, 9, 10))
    SigningKey.objects.filter(pk=key.pk).update(active=False)
    page = client.get(reverse("my-certificate")).content.decode()
    assert stored.hc1 in page
