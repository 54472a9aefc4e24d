"""Screens: issuing a code for a case, the page a verification link opens, the API description."""

from __future__ import annotations

import pytest
from django.test import Client

from phongdich.accounts.roles import Role
from phongdich.exposure import tokens
from phongdich.exposure.models import VerificationCode
from phongdich.exposure.tests.helpers import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_an_officer_issues_a_code_on_the_case_screen_and_sees_the_short_code_once(
    province_admin, commune_officer, make_person, make_account
):
    case = open_case(province_admin, make_person(province_admin))
    client = Client()
    client.force_login(commune_officer)
    form = client.get(f"/exposure/cases/{case.pk}/code/")
    assert form.status_code == 200
    assert str(case.sampled_on).encode() in form.content
    answer = client.post(
        f"/exposure/cases/{case.pk}/code/",
        {"test_type": "confirmed", "symptom_onset": "", "test_date": str(case.sampled_on)},
    )
    assert answer.status_code == 200
    short_code = answer.content.split(b'id="short-code">')[1].split(b"<")[0].decode()
    assert len(short_code) == 8
    code = VerificationCode.objects.get(case=case, issued_by=commune_officer)
    assert code.short_code_hash == tokens.secret_hash(short_code)
    bad = client.post(f"/exposure/cases/{case.pk}/code/", {"test_type": "confirmed", "test_date": "31/02/2021"})
    assert b"Enter a valid date." in bad.content
    assert VerificationCode.objects.filter(case=case, issued_by=commune_officer).count() == 1
    # Outside the officer's communes, or without the right to change cases: not found.
    client.force_login(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert client.get(f"/exposure/cases/{case.pk}/code/").status_code == 404
    client.force_login(make_account(Role.LAB_TECHNICIAN, "06649"))
    assert client.post(f"/exposure/cases/{case.pk}/code/", {"test_date": str(case.sampled_on)}).status_code == 404


def test_the_verification_link_page_shows_the_code_to_type():
    page = Client().get("/exposure/v?c=abcdefghjkmnpqrstuvw")
    assert page.status_code == 200
    assert b'id="verification-code">abcdefghjkmnpqrstuvw<' in page.content
    assert page["Cache-Control"] == "private, no-store"
    assert b"verification-code" not in Client().get("/exposure/v?c=<script>").content


def test_the_api_description_lists_the_exposure_endpoints():
    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/exposure/verify", "/api/v1/exposure/certificate", "/api/v1/exposure/publish"):
        assert path in schema["paths"]
    body = schema["paths"]["/api/v1/exposure/publish"]["post"]["requestBody"]["content"]["application/json"]
    assert "temporaryExposureKeys" in body["schema"]["properties"]
    assert "$ref" not in str(body) and "$defs" not in str(body)
    assert "rollingStartNumber" in body["schema"]["properties"]["temporaryExposureKeys"]["items"]["properties"]
