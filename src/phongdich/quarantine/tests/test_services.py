"""Quarantine through its services: policy dates, orders, tracing's F1s, deliveries, beds, checks, tests, release."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.audit.models import AuditEvent
from phongdich.cases.models import Case
from phongdich.core.errors import Conflict, DomainError, InvalidInput, NotFound
from phongdich.notify.models import Message
from phongdich.people import services as people_services
from phongdich.quarantine import services
from phongdich.quarantine.models import (
    FacilityAdmission,
    HealthCheck,
    OrderEvent,
    OrderStatus,
    QuarantineAlert,
    QuarantineOrder,
    QuarantinePolicy,
    ReleaseCertificate,
    ScheduledTest,
)
from phongdich.quarantine.release_qr import read_release
from phongdich.quarantine.tests.conftest import beds_of, record_result
from phongdich.tasks.models import Task
from phongdich.tracing import services as tracing


def fields_of(excinfo: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {error.field for error in excinfo.value.errors}


# --- Policy ---------------------------------------------------------------------------------------------------


def test_the_december_2021_rule_gives_7_plus_7_with_tests_on_days_1_and_7(db):
    plan = services.plan_for("f1_of_case", "protected", dt.date(2022, 1, 10))
    assert plan.policy is not None and plan.policy.version == 1
    assert plan.kind == "home"
    assert plan.planned_end == dt.date(2022, 1, 16)  # day 7
    assert plan.self_monitoring_end == dt.date(2022, 1, 23)
    assert plan.test_days == [(1, dt.date(2022, 1, 10)), (7, dt.date(2022, 1, 16))]
    unprotected = services.plan_for("f1_of_case", "not_protected", dt.date(2022, 1, 10))
    assert (unprotected.kind, unprotected.planned_end) == ("facility", dt.date(2022, 1, 23))


def test_from_21_february_2022_the_rule_is_5_plus_5_or_7_plus_3(db):
    protected = services.plan_for("f1_of_case", "protected", dt.date(2022, 2, 21))
    assert (protected.planned_end, protected.self_monitoring_end) == (dt.date(2022, 2, 25), dt.date(2022, 3, 2))
    unprotected = services.plan_for("f1_of_case", "not_protected", dt.date(2022, 2, 21))
    assert (unprotected.planned_end, unprotected.self_monitoring_end) == (dt.date(2022, 2, 27), dt.date(2022, 3, 2))
    before = services.plan_for("f1_of_case", "protected", dt.date(2022, 2, 20))
    assert before.policy is not None and before.policy.version == 1


def test_editing_a_used_policy_makes_a_new_version(province_admin, order):
    used = order.policy
    data = services.PolicyInput(
        name="Quảng Ninh 2022",
        valid_from=dt.date(2022, 3, 1),
        rules=[services.RuleInput(reason="f1_of_case", protection="protected", kind="home", days=3, test_days=[3])],
    )
    edited = services.save_policy(province_admin, data, policy_id=used.pk)
    assert edited.pk != used.pk and edited.version == 3
    used.refresh_from_db()
    assert used.rules.count() == 8  # untouched
    assert AuditEvent.objects.filter(object_type="quarantine_policy", object_id=str(edited.pk)).exists()
    # An unused version is edited in place.
    again = services.save_policy(province_admin, data, policy_id=edited.pk)
    assert again.pk == edited.pk


def test_only_the_province_edits_the_policy_and_bad_rules_are_named(province_admin, commune_officer):
    data = services.PolicyInput(
        name="x",
        valid_from=dt.date(2022, 3, 1),
        rules=[services.RuleInput("f1_of_case", "protected", "home", 5, 0, [9])],
    )
    with pytest.raises(NotFound):
        services.save_policy(commune_officer, data)
    with pytest.raises(InvalidInput) as excinfo:
        services.save_policy(province_admin, data)
    assert fields_of(excinfo) == {"rules[0].test_days"}
    assert QuarantinePolicy.objects.count() == 2


# --- Orders ---------------------------------------------------------------------------------------------------


def test_an_order_by_hand_takes_the_policy_dates_and_queues_tasks_and_messages(
    commune_officer, person, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.issue_order(commune_officer, services.OrderInput(person=person.pk, reason="f1_of_case"))
    # Not vaccinated, current rule (February 2022): 7 days at home + 3 days, test on day 7.
    assert (order.kind, order.start, order.planned_end) == ("home", today, today + dt.timedelta(days=6))
    assert order.self_monitoring_end == today + dt.timedelta(days=9)
    assert order.commune.code == "06649" and order.status == OrderStatus.ACTIVE
    assert [(t.day_number, t.due_on) for t in order.scheduled_tests.all()] == [(7, today + dt.timedelta(days=6))]
    assert list(order.events.values_list("kind", flat=True)) == ["issued"]
    kinds = set(Task.objects.filter(person=person, commune__code="06649").values_list("kind", flat=True))
    assert kinds == {"call_contact", "deliver_order", "take_sample"}
    assert set(Message.objects.filter(person=person).values_list("template", flat=True)) == {
        "f1_notice",
        "quarantine_order",
    }
    assert AuditEvent.objects.filter(object_type="quarantine_order", action="create", object_id=str(order.pk)).exists()


def test_one_active_order_per_person(commune_officer, person, order):
    with pytest.raises(Conflict) as excinfo:
        services.issue_order(commune_officer, services.OrderInput(person=person.pk))
    assert fields_of(excinfo) == {"person"}
    assert QuarantineOrder.objects.count() == 1


def test_an_end_before_the_start_is_refused_and_nothing_stored(commune_officer, person):
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as excinfo:
        services.issue_order(
            commune_officer,
            services.OrderInput(person=person.pk, start=today, planned_end=today - dt.timedelta(days=1)),
        )
    assert fields_of(excinfo) == {"planned_end"}
    assert QuarantineOrder.objects.count() == 0 and ScheduledTest.objects.count() == 0


def test_an_officer_of_another_commune_cannot_see_or_issue(make_account, person, order):
    other = make_account(Role.COMMUNE_OFFICER, "06727", username="xa-mong-cai")
    with pytest.raises(NotFound):
        services.order_detail(other, order.pk)
    with pytest.raises(NotFound):
        services.change_order(other, order.pk, services.ChangeInput(reason="x", planned_end=order.planned_end))
    assert list(services.order_list(other)) == []


def test_changes_are_kept_in_the_history(commune_officer, order):
    later = order.planned_end + dt.timedelta(days=3)
    services.change_order(commune_officer, order.pk, services.ChangeInput(reason="Chờ kết quả", planned_end=later))
    services.change_order(
        commune_officer, order.pk, services.ChangeInput(reason="Sửa", planned_end=later - dt.timedelta(days=1))
    )
    with pytest.raises(InvalidInput) as excinfo:
        services.change_order(
            commune_officer, order.pk, services.ChangeInput(reason="x", planned_end=order.start - dt.timedelta(days=1))
        )
    assert fields_of(excinfo) == {"planned_end"}
    events = list(OrderEvent.objects.filter(order=order).values_list("kind", "reason"))
    assert events == [("issued", ""), ("extended", "Chờ kết quả"), ("shortened", "Sửa")]
    order.refresh_from_db()
    assert order.planned_end == later - dt.timedelta(days=1)


def test_a_delivery_is_recorded_and_completes_the_delivery_task(
    commune_officer, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = services.issue_order(commune_officer, services.OrderInput(person=person.pk))
    services.record_delivery(commune_officer, order.pk, "in_person", note="Đã ký nhận")
    task = Task.objects.get(source_key=f"quarantine.deliver:{order.pk}")
    assert task.status == "done"
    assert order.deliveries.get().method == "in_person"
    with pytest.raises(InvalidInput) as excinfo:
        services.record_delivery(commune_officer, order.pk, "pigeon")
    assert fields_of(excinfo) == {"method"}


def test_tracing_places_registered_f1s_under_quarantine_once(
    commune_officer, lab, make_person, make_account, django_capture_on_commit_callbacks
):
    epidemiologist = make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")
    index = make_person(commune_officer)
    f1 = make_person(commune_officer)
    taken = timezone.now() - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        record_result(lab, index, "positive", taken)
    case = Case.objects.get(person=index)
    contact_day = timezone.localdate() - dt.timedelta(days=2)
    data = tracing.NamedContactInput(setting="household", date=contact_day, person=f1.pk)
    with django_capture_on_commit_callbacks(execute=True):
        tracing.add_named_contact(epidemiologist, case.pk, data)
    order = QuarantineOrder.objects.get(person=f1)
    assert (order.reason, order.case, order.commune.code) == ("f1_of_case", case, "06649")
    assert order.contact is not None and order.contact.person == f1
    # Counted from the last exposure (a named contact's day as the engine bounds it).
    assert order.start == min(timezone.localtime(order.contact.last_exposure).date(), timezone.localdate())
    assert order.start >= contact_day
    assert Task.objects.filter(person=f1, kind="call_contact").count() == 1
    assert Message.objects.filter(person=f1, template="f1_notice").count() == 1
    # Tracing again finds the same F1: no second order, task or message.
    with django_capture_on_commit_callbacks(execute=True):
        tracing.run_tracing(case.pk)
    assert QuarantineOrder.objects.filter(person=f1).count() == 1
    assert Task.objects.filter(person=f1, kind="call_contact").count() == 1
    assert Message.objects.filter(person=f1, template="f1_notice").count() == 1
    assert not QuarantineOrder.objects.filter(person=index).exists()


# --- Facilities -----------------------------------------------------------------------------------------------


def test_admit_transfer_discharge_and_the_board(staff, facility, order, person):
    beds = beds_of(facility)
    admission = services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds[0].pk, person=person.pk))
    order.refresh_from_db()
    assert (order.kind, order.facility) == ("facility", facility)  # a home order moved to the facility
    row = services.facility_board(staff, timezone.localdate())[0]
    assert (row.capacity, row.occupied, row.free, row.admitted_today) == (3, 1, 2, 1)
    moved = services.transfer(staff, admission.pk, beds[2].pk, "Phòng riêng")
    assert moved.bed == beds[2]
    admission.refresh_from_db()
    assert admission.discharged_at is not None
    services.discharge(staff, moved.pk, "Chuyển viện")
    row = services.facility_board(staff, timezone.localdate())[0]
    assert (row.occupied, row.admitted_today, row.discharged_today) == (0, 2, 2)
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == ["issued", "transferred", "admitted", "transferred", "discharged"]
    today = timezone.localdate()
    assert services.occupancy_by_day(staff, facility.pk, today - dt.timedelta(days=1), today) == [
        (today - dt.timedelta(days=1), 0),
        (today, 0),
    ]


def test_an_occupied_bed_or_a_full_facility_is_refused_and_nothing_stored(
    staff, facility, commune_officer, make_person
):
    people = [make_person(commune_officer) for _ in range(4)]
    for someone in people:
        services.issue_order(commune_officer, services.OrderInput(person=someone.pk, kind="facility"))
    beds = beds_of(facility)
    services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds[0].pk, person=people[0].pk))
    with pytest.raises(Conflict) as excinfo:
        services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds[0].pk, person=people[1].pk))
    assert fields_of(excinfo) == {"bed"}
    services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds[1].pk, person=people[1].pk))
    services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds[2].pk, person=people[2].pk))
    events = OrderEvent.objects.count()
    with pytest.raises(Conflict) as excinfo:
        services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds[2].pk, person=people[3].pk))
    assert fields_of(excinfo) == {"facility"}
    assert FacilityAdmission.objects.count() == 3 and OrderEvent.objects.count() == events


def test_staff_admit_only_people_with_an_order_officers_admit_directly(staff, facility, district, person):
    bed = beds_of(facility)[0]
    with pytest.raises(InvalidInput) as excinfo:
        services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=bed.pk, person=person.pk))
    assert fields_of(excinfo) == {"person"}
    admission = services.admit(
        district, services.AdmissionInput(facility=facility.pk, bed=bed.pk, person=person.pk, reason="other")
    )
    assert admission.order.kind == "facility" and admission.order.facility == facility


# --- Health checks --------------------------------------------------------------------------------------------


def test_a_danger_sign_raises_an_alert_a_task_and_a_message_at_once(
    staff, facility, order, person, commune_officer, django_capture_on_commit_callbacks
):
    services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds_of(facility)[0].pk, person=person.pk))
    with django_capture_on_commit_callbacks(execute=True):
        check = services.record_health_check(
            staff, services.HealthCheckInput(person=person.pk, temperature="37.2", spo2=93, symptoms=["cough"])
        )
    assert check.danger_signs == ["low_spo2"] and check.facility == facility and not check.self_reported
    alert = QuarantineAlert.objects.get()
    assert (alert.kind, alert.person, alert.commune.code, alert.health_check) == ("danger_sign", person, "06649", check)
    assert list(services.alert_list(commune_officer)) == [alert]
    assert Task.objects.filter(kind="danger_sign", person=person).count() == 1
    assert Message.objects.filter(user=commune_officer, template="officer_alert").count() == 1


def test_a_normal_check_raises_nothing(commune_officer, order, person):
    services.record_health_check(
        commune_officer, services.HealthCheckInput(person=person.pk, temperature=36.8, spo2=98)
    )
    assert not QuarantineAlert.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"spo2": 140}, "spo2"),
        ({"temperature": "45"}, "temperature"),
        ({"symptoms": ["itchy"]}, "symptoms"),
        ({}, "spo2"),
    ],
)
def test_out_of_range_values_are_named_and_nothing_stored(commune_officer, order, person, values, field):
    with pytest.raises(InvalidInput) as excinfo:
        services.record_health_check(commune_officer, services.HealthCheckInput(person=person.pk, **values))
    assert fields_of(excinfo) == {field}
    assert HealthCheck.objects.count() == 0 and QuarantineAlert.objects.count() == 0


def test_a_check_for_a_person_not_in_quarantine_is_refused(commune_officer, person):
    with pytest.raises(InvalidInput) as excinfo:
        services.record_health_check(commune_officer, services.HealthCheckInput(person=person.pk, spo2=97))
    assert fields_of(excinfo) == {"person"}
    assert HealthCheck.objects.count() == 0


def test_a_citizen_reports_their_own_check_only(make_account, order, person, make_person, commune_officer):
    citizen = make_account(Role.CITIZEN)
    citizen.person = person
    citizen.save()
    check = services.record_health_check(citizen, services.HealthCheckInput(person=person.pk, spo2=97))
    assert check.self_reported and check.entered_by == citizen
    other = make_person(commune_officer)
    with pytest.raises(NotFound):
        services.record_health_check(citizen, services.HealthCheckInput(person=other.pk, spo2=97))


def test_a_retried_upload_stores_one_check(commune_officer, order, person):
    import uuid

    data = services.HealthCheckInput(person=person.pk, spo2=97, client_id=uuid.uuid4())
    first = services.record_health_check(commune_officer, data)
    assert services.record_health_check(commune_officer, data) == first
    assert HealthCheck.objects.count() == 1


def test_missed_checks_raise_one_alert_and_task_that_a_check_completes(
    commune_officer, order, person, django_capture_on_commit_callbacks
):
    day = timezone.localdate()
    before_cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    assert services.check_missed_health_checks(before_cutoff) == 0
    evening = timezone.make_aware(dt.datetime.combine(day, dt.time(20)))
    assert services.check_missed_health_checks(evening) == 1
    assert services.check_missed_health_checks(evening) == 0  # idempotent
    alert = QuarantineAlert.objects.get(kind="missed_check")
    task = Task.objects.get(kind="missed_health_check", person=person)
    assert alert.day == day and task.status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        services.record_health_check(
            commune_officer,
            services.HealthCheckInput(person=person.pk, spo2=98, taken_at=min(evening, timezone.now())),
        )
    task.refresh_from_db()
    alert.refresh_from_db()
    assert task.status == "done" and alert.resolved_at is not None


# --- Tests and release ----------------------------------------------------------------------------------------


@pytest.fixture
def ending_order(commune_officer, person, django_capture_on_commit_callbacks):
    """An order whose last day (day 7, its test day) is today, with its tasks."""
    start = timezone.localdate() - dt.timedelta(days=6)
    with django_capture_on_commit_callbacks(execute=True):
        return services.issue_order(
            commune_officer, services.OrderInput(person=person.pk, reason="f1_of_case", start=start)
        )


def test_a_negative_test_on_the_day_then_release_with_a_verifiable_certificate(
    lab, ending_order, person, commune_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_result(lab, person, "negative", timezone.now() - dt.timedelta(hours=1))
    test = ending_order.scheduled_tests.get()
    assert test.status == "negative" and test.result is not None
    assert Task.objects.get(source_key=f"quarantine.test:{test.pk}").status == "done"
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.release_due_orders(timezone.now())
    assert summary.released == [ending_order.pk]
    ending_order.refresh_from_db()
    assert ending_order.status == "released"
    certificate = ReleaseCertificate.objects.get(order=ending_order)
    claims = read_release(certificate.token)
    assert claims.certificate_number == certificate.number and claims.end == ending_order.planned_end
    assert claims.person_digest == services.person_digest(person)
    assert Message.objects.filter(person=person, template="quarantine_released").count() == 1
    pdf = services.release_pdf(commune_officer, ending_order.pk)
    assert pdf.startswith(b"%PDF")
    assert services.release_due_orders(timezone.now()).released == []


def test_an_order_without_its_negative_test_goes_to_review(ending_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.release_due_orders(timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.release_due_orders(timezone.now())
    assert summary.to_review == [ending_order.pk] and summary.released == []
    ending_order.refresh_from_db()
    assert ending_order.status == "active"
    assert Task.objects.filter(kind="review_release", source_key=f"quarantine.review:{ending_order.pk}").count() == 1


def test_a_positive_result_ends_the_order_and_the_case_is_detected_in_quarantine(
    lab, staff, facility, order, person, django_capture_on_commit_callbacks
):
    services.admit(staff, services.AdmissionInput(facility=facility.pk, bed=beds_of(facility)[0].pk, person=person.pk))
    with django_capture_on_commit_callbacks(execute=True):
        record_result(lab, person, "positive", timezone.now() - dt.timedelta(hours=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.ENDED_POSITIVE
    assert order.events.filter(kind="ended_positive").exists()
    assert not FacilityAdmission.objects.filter(discharged_at__isnull=True).exists()
    case = Case.objects.get(person=person)
    assert case.detected_in == "in_quarantine"


def test_bulk_order_pdf_for_a_commune(commune_officer, make_person):
    for _ in range(3):
        someone = make_person(commune_officer)
        services.issue_order(commune_officer, services.OrderInput(person=someone.pk))
    pdf = services.orders_pdf(commune_officer, criteria=services.OrderFilter(commune="06649"))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    assert AuditEvent.objects.filter(object_type="quarantine_order", action="list").exists()


def test_the_periodic_jobs_run_from_the_command(ending_order):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("quarantine", "release", stdout=out)
    assert out.getvalue().strip() == '{"released": 0, "to_review": 1}'
    out = StringIO()
    call_command("quarantine", "missed-checks", "--at", f"{timezone.localdate()}T20:00:00", stdout=out)
    assert out.getvalue().strip() == '{"alerts": 1}'


def test_an_f0_cared_for_at_home_sends_checks_too(lab, person, commune_officer):
    record_result(lab, person, "positive", timezone.now() - dt.timedelta(hours=2))
    case = Case.objects.get(person=person)
    assert case.care_place == "home"
    check = services.record_health_check(commune_officer, services.HealthCheckInput(person=person.pk, spo2=97))
    assert (check.case, check.order) == (case, None)


def test_a_positive_that_confirms_no_case_keeps_the_order_and_asks_for_a_confirmatory_test(
    lab, order, person, django_capture_on_commit_callbacks
):
    # The shipped confirmation policy: a rapid antigen test by staff does not confirm a case on its own.
    with django_capture_on_commit_callbacks(execute=True):
        recorded = record_result(lab, person, "positive", timezone.now() - dt.timedelta(hours=1), test_type="antigen")
    assert not Case.objects.filter(person=person).exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    task = Task.objects.get(source_key=f"quarantine.unconfirmed:{recorded.result.pk}")
    assert task.person == person and task.status == "open"


def test_merging_a_person_in_quarantine_moves_the_hidden_links_too(
    commune_officer, district_officer, order, person, make_person
):
    # Found by the API fuzzer: health checks and admissions link to Person without a reverse name, and the merge
    # missed them, so deleting the duplicate hit a protected link (a 500).
    check = services.record_health_check(
        commune_officer, services.HealthCheckInput(person=person.pk, temperature="36.8", spo2=98, symptoms=[])
    )
    survivor = make_person(commune_officer)
    merge = people_services.merge_persons(district_officer, survivor.pk, person.pk)
    check.refresh_from_db()
    order.refresh_from_db()
    assert check.person_id == order.person_id == survivor.pk
    assert merge.moved["quarantine.healthcheck"] == 1
