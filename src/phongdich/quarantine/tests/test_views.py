"""The quarantine screens render for the roles that use them and act through the services."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.quarantine import services
from phongdich.quarantine.models import HealthCheck, OrderDelivery, QuarantineAlert


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_commune_lists_prints_and_follows_its_orders(commune_officer, order, person, english):
    client = browser(commune_officer)
    page = client.get(reverse("quarantine-orders")).content.decode()
    assert order.number in page and person.full_name in page
    pdf = client.get(reverse("quarantine-orders-pdf") + "?commune=06649&status=active")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    url = reverse("quarantine-order", args=[order.pk])
    assert "History" in client.get(url).content.decode()
    response = client.post(url, {"action": "deliver", "method": "in_person", "note": "Ký nhận"})
    assert response.status_code == 302
    assert OrderDelivery.objects.get().method == "in_person"
    response = client.post(url, {"action": "change", "planned_end": "01/01/2000", "reason": "x"})
    assert response.status_code == 200 and "The end is before the start." in response.content.decode()


def test_the_facility_board_and_the_health_check_screen(staff, facility, order, person, english):
    client = browser(staff)
    board = client.get(reverse("quarantine-board")).content.decode()
    assert facility.name in board
    bed = facility.beds.order_by("room__name", "label").first()
    detail_url = reverse("quarantine-facility", args=[facility.pk])
    response = client.post(detail_url, {"action": "admit", "citizen_id": "", "bed": bed.pk, "reason": "other"})
    assert response.status_code == 200  # the citizen ID is required
    services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=bed.pk, person=person.pk))
    assert person.full_name in client.get(detail_url).content.decode()
    check_url = reverse("quarantine-check", args=[person.pk])
    bad = client.post(check_url, {"spo2": "140"})
    assert bad.status_code == 200 and "Between 50 and 100" in bad.content.decode()
    assert HealthCheck.objects.count() == 0
    assert client.post(check_url, {"spo2": "97", "temperature": "36.9"}).status_code == 302
    assert HealthCheck.objects.get().spo2 == 97


def test_a_citizen_reports_their_own_check_and_sees_their_order(make_account, order, person, english):
    citizen = make_account(Role.CITIZEN, username="citizen")
    citizen.person = person
    citizen.save()
    client = browser(citizen)
    page = client.get(reverse("my-quarantine")).content.decode()
    assert order.number in page
    response = client.post(reverse("my-quarantine"), {"spo2": "94", "breathing_difficulty": "on"})
    assert response.status_code == 302
    check = HealthCheck.objects.get()
    assert check.self_reported and check.danger_signs == ["low_spo2", "breathing_difficulty"]
    assert QuarantineAlert.objects.get().health_check == check
    # Citizens do not reach the officers' screens.
    assert client.get(reverse("quarantine-alerts")).status_code == 404
    assert client.get(reverse("quarantine-order", args=[order.pk])).status_code == 404


def test_the_alert_list_puts_danger_first_and_resolves(commune_officer, order, person, english):
    evening = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(21)))
    services.check_missed_health_checks(evening)
    services.record_health_check(commune_officer, services.HealthCheckInput(person=person.pk, spo2=92))
    client = browser(commune_officer)
    rows = list(services.alert_list(commune_officer, include_resolved=True))
    assert [a.kind for a in rows] == ["danger_sign", "missed_check"]
    danger = rows[0]
    response = client.post(reverse("quarantine-alerts"), {"alert": danger.pk, "resolution": "Chuyển viện"})
    assert response.status_code == 302
    danger.refresh_from_db()
    assert danger.resolved_at is not None and danger.resolved_by == commune_officer


def test_the_province_adds_a_policy_version_from_the_screen(province_admin, commune_officer, english):
    from phongdich.quarantine.models import QuarantinePolicy

    client = browser(province_admin)
    url = reverse("quarantine-policies")
    page = client.get(url).content.decode()
    assert "10696/BYT-MT" in page
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update({"name": "Quảng Ninh 03/2022", "valid_from": "01/03/2022", "f1_of_case__protected__test_days": "3, 5"})
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    newest = QuarantinePolicy.objects.get(version=3)
    assert newest.rules.get(reason="f1_of_case", protection="protected").test_days == [3, 5]
    assert browser(commune_officer).post(url, data).status_code == 404


def test_every_screen_answers_each_staff_role(district, staff, commune_officer, province_admin, facility, order):
    screens = [
        reverse("quarantine-board"),
        reverse("quarantine-facility", args=[facility.pk]),
        reverse("quarantine-orders"),
        reverse("quarantine-alerts"),
        reverse("quarantine-policies"),
    ]
    for user in (district, staff, commune_officer, province_admin):
        client = browser(user)
        for url in screens:
            assert client.get(url).status_code in (200, 404), (user.role, url)
    assert browser(commune_officer).get(reverse("quarantine-order", args=[order.pk])).status_code == 200
    assert browser(staff).get(reverse("quarantine-facility", args=[facility.pk])).status_code == 200
    assert browser(commune_officer).get(reverse("my-quarantine")).status_code == 404


def test_the_order_list_filters_by_a_whole_district(district_officer, order, person):
    client = browser(district_officer)
    in_district = client.get(reverse("quarantine-orders") + "?commune=193&status=active")
    assert [row.pk for row in in_district.context["page"].object_list] == [order.pk]
    elsewhere = client.get(reverse("quarantine-orders") + "?commune=06652&status=active")
    assert list(elsewhere.context["page"].object_list) == []
