"""The testing screens: lab entry, a person's tests, pools, retests, import, the citizen's own tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.cases.models import Case
from phongdich.testing import imports, services
from phongdich.testing.models import RetestTask, Sample, TestResult


@pytest.fixture
def lab(units, make_account):
    return make_account(Role.LAB_TECHNICIAN, "193", username="lab-ha-long")


@pytest.fixture
def person(commune_officer, make_person, make_cccd):
    born = dt.date(1980, 5, 4)
    return make_person(commune_officer, date_of_birth=born, citizen_id=make_cccd(born, "male"))


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_lab_finds_a_person_and_records_a_positive(lab, person, english):
    client = browser(lab)
    page = client.get(reverse("testing-entry"), {"q": person.citizen_id})
    assert page.status_code == 200
    assert person.full_name in page.content.decode()
    url = reverse("testing-person", args=[person.pk])
    response = client.post(
        url,
        {
            "action": "sample",
            "test_type": "rt_pcr",
            "taken_at": "2021-11-03T08:30",
            "site": "Trạm y tế",
            "result": "positive",
            "ct_value": "20.5",
            "reported_at": "2021-11-03T15:00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Sample.objects.get().taken_at == dt.datetime(2021, 11, 3, 1, 30, tzinfo=dt.UTC)
    case = Case.objects.get()
    page = client.get(url).content.decode()
    assert case.number in page
    assert "Positive" in page


def test_bad_input_on_screen_shows_the_error_and_stores_nothing(lab, person, english):
    response = browser(lab).post(
        reverse("testing-person", args=[person.pk]),
        {"action": "sample", "test_type": "rt_pcr", "taken_at": "2099-01-01T08:00"},
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert not Sample.objects.exists()


def test_a_result_for_a_pending_sample_and_revoking_it(lab, person, english):
    taken = services.record_sample(
        lab,
        services.SampleInput(person=person.pk, test_type="rt_pcr", taken_at=dt.datetime(2021, 11, 3, tzinfo=dt.UTC)),
    ).sample
    client = browser(lab)
    url = reverse("testing-person", args=[person.pk])
    assert client.post(url, {"action": "result", "sample": taken.pk, "result": "negative"}).status_code == 302
    result = TestResult.objects.get()
    assert result.result == "negative"
    assert client.post(url, {"action": "revoke", "result_id": result.pk, "reason": "Nhầm"}).status_code == 302
    result.refresh_from_db()
    assert result.revoked_at is not None


def test_pools_on_screen(lab, person, english):
    client = browser(lab)
    response = client.post(reverse("testing-pools"), {"commune": "06649", "code": "HK-9"})
    assert response.status_code == 302
    pool_url = response["Location"]
    response = client.post(
        pool_url, {"action": "member", "citizen_id": person.citizen_id, "taken_at": "2021-11-03T08:00"}
    )
    assert response.status_code == 302, response.content.decode()
    assert client.post(pool_url, {"action": "result", "result": "positive"}).status_code == 302
    assert RetestTask.objects.get().person == person
    page = client.get(reverse("testing-retests")).content.decode()
    assert person.full_name in page


def test_the_import_screen(lab, person, english):
    client = browser(lab)
    template = client.get(reverse("testing-import-template"))
    assert template.status_code == 200
    assert template["Content-Disposition"].endswith('.csv"')
    assert client.get(reverse("testing-import-template"), {"format": "xlsx"}).status_code == 200
    content = imports.template_csv() + (
        f"Nguyễn Văn A,04/05/1980,Nam,{person.citizen_id},,,RT-PCR,03/11/2021 08:30,,,,Âm tính,,\n".encode()
    )
    response = client.post(reverse("testing-import"), {"file": SimpleUploadedFile("kq.csv", content)})
    assert response.status_code == 200
    assert "1 of 1 rows imported" in response.content.decode()
    assert TestResult.objects.get().result == "negative"


def test_screens_are_closed_to_roles_without_the_right(units, make_account, person):
    leader = browser(make_account(Role.LEADER, "22"))
    for name in ("testing-entry", "testing-import", "testing-pools", "testing-retests", "testing-mine"):
        assert leader.get(reverse(name)).status_code == 404, name
    officer = browser(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert officer.get(reverse("testing-person", args=[person.pk])).status_code == 404
    district = browser(make_account(Role.DISTRICT_OFFICER, "193"))
    assert district.get(reverse("testing-entry")).status_code == 200
    assert district.get(reverse("testing-import")).status_code == 404


def test_a_citizen_sees_their_tests_and_reports_a_self_test(units, make_account, person, english):
    citizen = make_account(Role.CITIZEN)
    citizen.person = person
    citizen.save()
    client = browser(citizen)
    assert client.get(reverse("testing-mine")).status_code == 200
    response = client.post(reverse("testing-mine"), {"taken_at": "2021-11-03T07:00", "result": "positive"})
    assert response.status_code == 302
    sample = Sample.objects.get()
    assert (sample.test_type, sample.person, sample.commune.code) == ("self_test", person, "06649")
    assert not Case.objects.exists()
    assert "Self-test" in client.get(reverse("testing-mine")).content.decode()
