"""The case screens: list by area, case page (update, void, contacts region), opening by hand, clusters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from phongdich.accounts.roles import Role
from phongdich.cases import services, views
from phongdich.cases.models import Case, Cluster


@pytest.fixture
def epidemiologist(units, make_account):
    return make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")


@pytest.fixture
def person(commune_officer, make_person):
    return make_person(commune_officer, date_of_birth=dt.date(1980, 5, 4))


@pytest.fixture
def case(epidemiologist, person):
    data = services.CaseInput(
        person=person.pk, sampled_on=dt.date(2021, 11, 3), confirmed_at=dt.datetime(2021, 11, 3, 10, tzinfo=dt.UTC)
    )
    return services.open_case(epidemiologist, data)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_commune_lists_its_cases_and_updates_one(commune_officer, case, english, monkeypatch):
    # Whether or not contact tracing provides its part of the page, the page works.
    monkeypatch.setattr(views, "CONTACTS_TEMPLATE", "tracing/_no_such_template.html")
    client = browser(commune_officer)
    page = client.get(reverse("case-list")).content.decode()
    assert case.number in page
    url = reverse("case-detail", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["contacts_template"] is None
    response = client.post(
        url,
        {
            "action": "update",
            "clinical_status": "moderate",
            "care_place": "treatment_facility",
            "facility_name": "Khu thu dung số 2",
            "bed": "A-3",
            "detected_in": "community",
            "sampled_on": "2021-11-03",
            "onset_date": "2021-11-02",
            "outcome": "none",
        },
    )
    assert response.status_code == 302, response.content.decode()
    case.refresh_from_db()
    assert (case.clinical_status, case.facility_name, case.onset_date) == (
        "moderate",
        "Khu thu dung số 2",
        dt.date(2021, 11, 2),
    )
    # Onset too long after sampling: the error is shown and nothing changes.
    response = client.post(
        url,
        {
            "action": "update",
            "clinical_status": "mild",
            "care_place": "home",
            "detected_in": "community",
            "sampled_on": "2021-11-03",
            "onset_date": "2021-12-30",
            "outcome": "none",
        },
    )
    assert response.status_code == 200
    assert "after sampling" in response.content.decode()
    case.refresh_from_db()
    assert case.clinical_status == "moderate"
    # The commune officer may not void.
    assert client.post(url, {"action": "void", "reason": "x"}).status_code == 404


def test_the_contacts_region_renders_the_tracing_template_when_present(commune_officer, case, monkeypatch):
    monkeypatch.setattr(views, "CONTACTS_TEMPLATE", "web/_form_errors.html")
    page = browser(commune_officer).get(reverse("case-detail", args=[case.pk]))
    assert page.status_code == 200
    assert page.context["contacts_template"] == "web/_form_errors.html"
    assert "web/_form_errors.html" in [t.name for t in page.templates]


def test_an_epidemiologist_opens_and_voids_a_case(epidemiologist, person, english):
    client = browser(epidemiologist)
    url = reverse("case-open", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "person": person.pk,
            "sampled_on": "2021-11-03",
            "detected_in": "imported_abroad",
            "clinical_status": "mild",
            "care_place": "home",
        },
    )
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert case.detected_in == "imported_abroad"
    again = client.post(
        url,
        {
            "person": person.pk,
            "sampled_on": "2021-11-03",
            "detected_in": "community",
            "clinical_status": "mild",
            "care_place": "home",
        },
    )
    assert again.status_code == 200 and "already an active case" in again.content.decode()
    detail = reverse("case-detail", args=[case.pk])
    assert client.post(detail, {"action": "void", "reason": "Nhập nhầm"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "voided"


def test_clusters_on_screen(epidemiologist, case, commune_officer, english):
    client = browser(epidemiologist)
    response = client.post(reverse("cluster-list"), {"name": "Công ty may", "commune": "06649"})
    assert response.status_code == 302
    cluster = Cluster.objects.get()
    url = reverse("cluster-detail", args=[cluster.pk])
    assert client.post(url, {"action": "link", "number": case.number}).status_code == 302
    case.refresh_from_db()
    assert case.cluster == cluster
    missing = client.post(url, {"action": "link", "number": "QNI-999999"})
    assert missing.status_code == 200 and "No case with this number" in missing.content.decode()
    page = browser(commune_officer).get(url).content.decode()
    assert case.number in page
    assert client.post(url, {"action": "unlink", "case": case.pk}).status_code == 302
    assert Case.objects.get(pk=case.pk).cluster is None


def test_screens_are_closed_outside_the_area(case, units, make_account):
    other = browser(make_account(Role.COMMUNE_OFFICER, "06727"))
    assert case.number not in other.get(reverse("case-list")).content.decode()
    assert other.get(reverse("case-detail", args=[case.pk])).status_code == 404
    leader = browser(make_account(Role.LEADER, "22"))
    for name in ("case-list", "cluster-list"):
        assert leader.get(reverse(name)).status_code == 404


def test_the_case_page_renders_with_whatever_contact_tracing_provides(commune_officer, case):
    assert browser(commune_officer).get(reverse("case-detail", args=[case.pk])).status_code == 200
