"""Verification codes: issued for a case (automatically and by an official), exchanged once, expiring."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.core.errors import DomainError, NotFound
from phongdich.exposure import services, tokens
from phongdich.exposure.models import VerificationCode
from phongdich.exposure.tests.helpers import open_case
from phongdich.notify.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def case(province_admin, make_person, django_capture_on_commit_callbacks):
    person = make_person(province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        return open_case(province_admin, person)


def _issue(actor, case, **fields):
    data = services.CodeInput(fields.pop("test_type", "confirmed"), None, case.sampled_on)
    return services.issue_code(actor, case.pk, data, send=False, **fields)


def test_a_new_case_gets_a_code_and_the_link_is_sent_to_the_persons_phone(case):
    code = VerificationCode.objects.get(case=case)
    assert code.issued_by is None
    assert code.test_type == "confirmed"
    assert code.test_date == case.sampled_on
    message = Message.objects.get(event_key=f"exposure.verification_code:{code.uuid}")
    assert message.person_id == case.person_id
    assert "/exposure/v?c=" in message.body
    # The long code in the message is the one whose hash is stored, and only the hash is stored.
    long_code = message.body.split("/exposure/v?c=")[1].split()[0]
    assert len(long_code) >= 16
    assert code.long_code_hash == tokens.secret_hash(long_code)
    assert long_code not in str(VerificationCode.objects.filter(pk=code.pk).values().get())


def test_the_automatic_code_is_issued_once_per_case(case):
    assert services.issue_code_for_new_case(case) is None
    assert VerificationCode.objects.filter(case=case).count() == 1


def test_an_officer_of_the_cases_commune_issues_a_code_and_it_is_audited(case, commune_officer):
    issued = _issue(commune_officer, case)
    assert len(issued.short_code) == 8 and issued.short_code.isdigit()
    assert issued.code.short_code_hash == tokens.secret_hash(issued.short_code)
    assert issued.code.short_expires_at - issued.code.created_at == dt.timedelta(hours=1)
    assert issued.code.long_expires_at - issued.code.created_at == dt.timedelta(hours=24)
    event = AuditEvent.objects.get(object_type="exposure_code", object_id=str(issued.code.pk))
    assert event.actor == commune_officer
    assert event.detail["person"] == case.person_id


def test_staff_outside_the_case_or_without_change_rights_get_not_found(case, make_account):
    elsewhere = make_account(Role.COMMUNE_OFFICER, "06727")
    lab = make_account(Role.LAB_TECHNICIAN, "06649")
    leader = make_account(Role.LEADER, "22")
    for actor in (elsewhere, lab, leader):
        with pytest.raises(NotFound):
            _issue(actor, case)


def test_codes_need_a_date_within_14_days_and_a_known_test_type(case, commune_officer):
    today = timezone.localdate()
    cases = [
        (services.CodeInput("confirmed", None, None), "symptom_onset"),
        (services.CodeInput("positive", None, today), "test_type"),
        (services.CodeInput("confirmed", today + dt.timedelta(days=1), None), "symptom_onset"),
        (services.CodeInput("confirmed", None, today - dt.timedelta(days=15)), "test_date"),
    ]
    for data, field in cases:
        with pytest.raises(DomainError) as raised:
            services.issue_code(commune_officer, case.pk, data, send=False)
        assert [error.field for error in raised.value.errors] == [field]


def test_the_api_issues_a_code_for_the_officer(case, commune_officer, api_client):
    answer = api_client(commune_officer).post(
        f"/api/v1/exposure/cases/{case.pk}/codes",
        {"test_type": "likely", "symptom_onset": str(timezone.localdate()), "send": False},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert len(body["short_code"]) == 8
    assert body["link"].endswith(f"/exposure/v?c={body['long_code']}")
    listed = api_client(commune_officer).get(f"/api/v1/exposure/cases/{case.pk}/codes").json()
    assert {row["test_type"] for row in listed} == {"confirmed", "likely"}


def test_a_code_is_exchanged_once(case, commune_officer):
    issued = _issue(commune_officer, case)
    client = Client()
    first = client.post("/api/v1/exposure/verify", {"code": issued.short_code}, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["testtype"] == "confirmed"
    assert first.json()["testDate"] == str(case.sampled_on)
    again = client.post("/api/v1/exposure/verify", {"code": issued.short_code}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["errors"] == [{"field": "code", "message": "This verification code has already been used."}]
    # The long code belongs to the same one-time code: spent too.
    with pytest.raises(DomainError, match="already been used"):
        services.exchange_code(issued.long_code)


@pytest.mark.usefixtures("english")
def test_an_expired_code_is_refused(case, commune_officer):
    issued = _issue(commune_officer, case)
    later = timezone.now() + dt.timedelta(hours=1, seconds=1)
    with pytest.raises(DomainError) as raised:
        services.exchange_code(issued.short_code, now=later)
    assert raised.value.status == 400
    assert raised.value.errors[0].message == "This verification code has expired."
    # The long code lasts 24 hours.
    assert services.exchange_code(issued.long_code, now=later).token
    assert VerificationCode.objects.get(pk=issued.code.pk).claimed_at is not None


@pytest.mark.usefixtures("english")
def test_an_unknown_or_malformed_code_is_refused():
    client = Client()
    for code in ("12345678", "", "x" * 64, "mã sai"):
        answer = client.post("/api/v1/exposure/verify", {"code": code}, content_type="application/json")
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["field"] == "code"


@pytest.mark.usefixtures("english")
def test_a_token_gives_one_certificate_bound_to_the_tekmac(case, commune_officer):
    issued = _issue(commune_officer, case)
    token = services.exchange_code(issued.short_code).token
    mac = base64.b64encode(bytes(range(32))).decode()
    certificate = services.issue_certificate(token, mac)
    claims = tokens.decode(certificate, tokens.CERTIFICATE_AUDIENCE)
    assert claims["tekmac"] == mac
    assert claims["reportType"] == "confirmed"
    assert claims["symptomOnsetInterval"] == services.day_interval(case.sampled_on)
    with pytest.raises(DomainError, match="already been used"):
        services.issue_certificate(token, mac)


@pytest.mark.usefixtures("english")
def test_a_forged_or_expired_token_is_refused(case, commune_officer):
    issued = _issue(commune_officer, case)
    token = services.exchange_code(issued.short_code).token
    mac = base64.b64encode(bytes(32)).decode()
    header, body, signature = token.split(".")
    forged = f"{header}.{body}.{signature[:-2]}AA"
    for bad in (forged, "not-a-token", token.replace(".", "", 1)):
        with pytest.raises(DomainError) as raised:
            services.issue_certificate(bad, mac)
        assert raised.value.errors[0].field == "token"
    with pytest.raises(DomainError, match="expired"):
        services.issue_certificate(token, mac, now=timezone.now() + dt.timedelta(minutes=16))
    # A token is not a certificate, even though both are signed by the server.
    with pytest.raises(tokens.TokenError):
        tokens.decode(token, tokens.CERTIFICATE_AUDIENCE)
    with pytest.raises(DomainError) as raised:
        services.issue_certificate(token, "short")
    assert raised.value.errors[0].field == "ekeyhmac"


@pytest.mark.usefixtures("english")
def test_an_address_that_guesses_codes_is_stopped(case, commune_officer):
    from django.core.cache import cache

    from phongdich.exposure.api import MAX_WRONG_CODES_PER_HOUR

    cache.clear()
    issued = _issue(commune_officer, case)
    client = Client()
    for guess in range(MAX_WRONG_CODES_PER_HOUR):
        answer = client.post("/api/v1/exposure/verify", {"code": f"{guess:08d}"}, content_type="application/json")
        assert answer.status_code == 400
    stopped = client.post("/api/v1/exposure/verify", {"code": issued.short_code}, content_type="application/json")
    assert stopped.status_code == 429
    assert stopped.json()["errors"][0]["field"] == "code"
    # The right code was not spent by the refusal.
    assert VerificationCode.objects.get(pk=issued.code.pk).claimed_at is None
    cache.clear()
