"""End to end, through the real services and signals: a positive result → F0 case → F1s found by tracing →
quarantine orders with the policy's dates → messages queued → tasks on the right commune officers' lists →
day-1 and day-7 negative tests → release certificates whose QR verifies on the public page; and the branch where
a quarantined F1 tests positive, becomes an F0, and tracing runs again from them.

Times are relative to now (check-ins are kept 21 days): the F0 was at the market eight days ago, so the F1s'
7-day quarantine (day 1 = the day of exposure) ended the day before yesterday. After-commit work (tracing,
orders, tasks, messages) runs through ``django_capture_on_commit_callbacks(execute=True)``, in the order a
committed request would run it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases.models import Case, CaseStatus, DetectedIn
from phongdich.checkins import services as checkins
from phongdich.notify.models import Message
from phongdich.people.models import Household
from phongdich.quarantine import services as quarantine
from phongdich.quarantine.models import (
    OrderKind,
    OrderReason,
    OrderStatus,
    QuarantineOrder,
    ReleaseCertificate,
    ScheduledTestStatus,
)
from phongdich.quarantine.tests.pdf_qr import qr_texts
from phongdich.tasks import services as tasks
from phongdich.testing import services as testing
from phongdich.tracing.models import Contact, TracingRun
from phongdich.venues import services as venues

HA_KHANH, HA_PHONG, MONG_CAI = "06649", "06652", "06727"


def at_local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class Province:
    """The people and accounts of the story."""

    def __init__(self, make_account, make_person, make_cccd) -> None:
        self.admin = make_account(Role.PROVINCE_ADMIN, "22", username="tinh")
        self.lab = make_account(Role.LAB_TECHNICIAN, "22", username="cdc-lab")
        self.officer_ha_khanh = make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="xa-ha-khanh")
        self.officer_ha_phong = make_account(Role.COMMUNE_OFFICER, HA_PHONG, username="xa-ha-phong")
        self.officer_mong_cai = make_account(Role.COMMUNE_OFFICER, MONG_CAI, username="xa-mong-cai")
        self.today = timezone.localdate()
        self.exposure_day = self.today - dt.timedelta(days=8)
        self.t0 = at_local(self.exposure_day, 10)
        self._make_person = make_person
        self._make_cccd = make_cccd
        self._serial = 0
        self.market = venues.register_venue(
            self.admin, venues.VenueInput(name="Chợ Hà Khánh", kind="market", commune=HA_KHANH, address="Số 1")
        )

    def person(self, name: str, commune: str = HA_KHANH, **fields):
        birth = fields.pop("date_of_birth", dt.date(1980, 1, 15))
        self._serial += 1
        return self._make_person(
            self.admin,
            full_name=name,
            home_commune=commune,
            date_of_birth=birth,
            citizen_id=self._make_cccd(birth, fields.get("sex", "male")),
            phone=f"0913{self._serial:06d}",
            **fields,
        )

    def visit(self, who, start: dt.datetime, minutes: int) -> None:
        recorded = checkins.record_checkin(
            self.officer_ha_khanh,
            venue=self.market,
            visitor=checkins.Visitor(person=who, phone="", name=""),
            method="typed_id",
            checked_in_at=start,
            uuid=uuid.uuid4(),
        )
        checkins.check_out(recorded.checkin.uuid, at=start + dt.timedelta(minutes=minutes), actor=self.officer_ha_khanh)

    def test_result(self, person, taken_at: dt.datetime, result: str) -> None:
        """A sample and its RT-PCR result, recorded by the CDC laboratory (what opens cases and fills schedules)."""
        testing.record_sample(
            self.lab,
            testing.SampleInput(
                person=person.pk,
                test_type="rt_pcr",
                taken_at=taken_at,
                lab="CDC Quảng Ninh",
                result=result,
                reported_at=min(taken_at + dt.timedelta(hours=6), timezone.now()),
            ),
        )


@pytest.fixture
def province(units, make_account, make_person, make_cccd):
    world = Province(make_account, make_person, make_cccd)
    # The province's rule (a new version of the policy, as data): F1s at home 7 days, then 7 days of
    # self-monitoring, tested on day 1 and day 7 (the rule of Dispatch 10696/BYT-MT, for everyone here).
    rules = [
        quarantine.RuleInput(
            reason=OrderReason.F1_OF_CASE,
            protection=protection,
            kind=OrderKind.HOME,
            days=7,
            self_monitoring_days=7,
            test_days=[1, 7],
        )
        for protection in ("protected", "not_protected")
    ]
    quarantine.save_policy(
        world.admin,
        quarantine.PolicyInput(
            name="Cách ly F1 7 + 7 ngày", valid_from=world.today - dt.timedelta(days=30), rules=rules
        ),
    )
    return world


def test_a_positive_result_leads_to_quarantine_tests_release_and_a_verifiable_certificate(
    province, django_capture_on_commit_callbacks
):
    p = province
    f0 = p.person("Nguyễn Văn Bình")
    f1_here = p.person("Trần Thị Lan", sex="female")
    f1_there = p.person("Lê Minh Hùng", commune=HA_PHONG)
    stranger = p.person("Phạm Thu Hà", sex="female")
    p.visit(f0, p.t0, 30)
    p.visit(f1_here, p.t0 + dt.timedelta(minutes=10), 30)
    p.visit(f1_there, p.t0 - dt.timedelta(minutes=5), 20)
    p.visit(stranger, p.t0 + dt.timedelta(hours=5), 20)  # the same market, hours later: not a contact

    # 1. The F0's positive result (sampled the day after the market) opens the case; tracing finds the F1s;
    #    the quarantine app places them under quarantine with the policy's dates.
    with django_capture_on_commit_callbacks(execute=True):
        p.test_result(f0, at_local(p.exposure_day + dt.timedelta(days=1), 9), "positive")

    case = Case.objects.get(person=f0)
    assert case.status == CaseStatus.ACTIVE
    assert set(Contact.objects.filter(case=case, degree=1).values_list("person_id", flat=True)) == {
        f1_here.pk,
        f1_there.pk,
    }
    orders = {order.person_id: order for order in QuarantineOrder.objects.filter(case=case)}
    assert set(orders) == {f1_here.pk, f1_there.pk}
    for order in orders.values():
        assert order.reason == OrderReason.F1_OF_CASE and order.kind == OrderKind.HOME
        assert order.status == OrderStatus.ACTIVE
        assert order.start == p.exposure_day  # day 1 is the day of the last exposure
        assert order.planned_end == p.exposure_day + dt.timedelta(days=6)
        assert order.self_monitoring_end == p.exposure_day + dt.timedelta(days=13)
        assert [(t.day_number, t.due_on) for t in order.scheduled_tests.order_by("day_number")] == [
            (1, p.exposure_day),
            (7, p.exposure_day + dt.timedelta(days=6)),
        ]
    assert orders[f1_here.pk].commune.code == HA_KHANH and orders[f1_there.pk].commune.code == HA_PHONG

    # 2. Messages queued for each F1: the F1 notice and the order.
    for person in (f1_here, f1_there):
        keys = set(Message.objects.filter(person=person).values_list("event_key", flat=True))
        order = orders[person.pk]
        assert {f"quarantine.f1_notice:{order.pk}", f"quarantine.order_issued:{order.pk}"} <= keys
    assert not Message.objects.filter(person=stranger).exists()

    # 3. Tasks on the right commune officers' lists, and on no one else's.
    def open_tasks(officer) -> set[tuple[str, int | None]]:
        return {(task.kind, task.person_id) for task in tasks.work_list(officer)}

    for officer, person in ((p.officer_ha_khanh, f1_here), (p.officer_ha_phong, f1_there)):
        listed = open_tasks(officer)
        assert {("call_contact", person.pk), ("deliver_order", person.pk), ("take_sample", person.pk)} <= listed
        other = f1_there if person == f1_here else f1_here
        assert all(person_id != other.pk for _kind, person_id in listed)
    assert open_tasks(p.officer_mong_cai) == set()

    # The order paper, printed in bulk for Hà Khánh's list, and its delivery recorded.
    with django_capture_on_commit_callbacks(execute=True):
        pdf = quarantine.orders_pdf(p.officer_ha_khanh, criteria=quarantine.OrderFilter(commune=HA_KHANH))
        quarantine.record_delivery(p.officer_ha_khanh, orders[f1_here.pk].pk, "in_person")
    assert pdf.startswith(b"%PDF")
    assert ("deliver_order", f1_here.pk) not in open_tasks(p.officer_ha_khanh)

    # 4. Day-1 and day-7 samples, negative: the schedule fills and the sampling tasks close.
    with django_capture_on_commit_callbacks(execute=True):
        for person in (f1_here, f1_there):
            p.test_result(person, at_local(p.exposure_day, 15), "negative")
            p.test_result(person, at_local(p.exposure_day + dt.timedelta(days=6), 8), "negative")
    for order in orders.values():
        assert set(order.scheduled_tests.values_list("status", flat=True)) == {ScheduledTestStatus.NEGATIVE}
    assert not {kind for kind, _person in open_tasks(p.officer_ha_khanh)} & {"take_sample"}

    # 5. The release job: the orders close at their planned end with a certificate each.
    with django_capture_on_commit_callbacks(execute=True):
        summary = quarantine.release_due_orders(timezone.now())
    assert sorted(summary.released) == sorted(order.pk for order in orders.values())
    for person in (f1_here, f1_there):
        order = QuarantineOrder.objects.get(pk=orders[person.pk].pk)
        assert order.status == OrderStatus.RELEASED and order.ended_on == order.planned_end
        certificate = ReleaseCertificate.objects.get(order=order)
        assert Message.objects.filter(person=person, event_key=f"quarantine.released:{order.pk}").exists()
        officer = p.officer_ha_khanh if person == f1_here else p.officer_ha_phong

        # 6. The certificate's QR, read from its PDF, opens the public page, which says valid.
        [address] = qr_texts(quarantine.release_pdf(officer, order.pk))
        response = Client().get(urlsplit(address).path)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-status="valid"' in page and certificate.number in page
        assert person.full_name not in page


def test_a_quarantined_f1_who_tests_positive_becomes_an_f0_and_is_traced_in_turn(
    province, django_capture_on_commit_callbacks
):
    p = province
    f0 = p.person("Đỗ Văn Nam")
    household = Household.objects.create(code="HK-E2E-1", commune=p.officer_ha_khanh.units.first(), address="Tổ 7")
    f1 = p.person("Vũ Thị Mai", sex="female", household=household.code)
    spouse = p.person("Bùi Đức Dũng", household=household.code)  # at home with the F1, not at the market
    p.visit(f0, p.t0, 40)
    p.visit(f1, p.t0 + dt.timedelta(minutes=15), 30)

    with django_capture_on_commit_callbacks(execute=True):
        p.test_result(f0, at_local(p.exposure_day + dt.timedelta(days=1), 9), "positive")
    order = QuarantineOrder.objects.get(person=f1, status=OrderStatus.ACTIVE)
    assert not QuarantineOrder.objects.filter(person=spouse).exists()  # the spouse is an F2, not quarantined

    # Day 1 negative, then a positive sample on day 4.
    positive_day = p.exposure_day + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        p.test_result(f1, at_local(p.exposure_day, 15), "negative")
        p.test_result(f1, at_local(positive_day, 9), "positive")

    order.refresh_from_db()
    assert order.status == OrderStatus.ENDED_POSITIVE
    assert order.ended_on == positive_day
    assert dict(order.scheduled_tests.values_list("day_number", "status")) == {
        1: ScheduledTestStatus.NEGATIVE,
        7: ScheduledTestStatus.CANCELLED,
    }
    assert order.events.filter(kind="ended_positive").exists()
    # A new case, found in quarantine, and traced: the F1's household is now F1 of the new case, and placed
    # under quarantine in turn.
    new_case = Case.objects.get(person=f1)
    assert new_case.status == CaseStatus.ACTIVE
    assert new_case.detected_in == DetectedIn.IN_QUARANTINE
    assert TracingRun.objects.filter(case=new_case).exists()
    assert Contact.objects.filter(case=new_case, person=spouse, degree=1).exists()
    spouse_order = QuarantineOrder.objects.get(person=spouse, status=OrderStatus.ACTIVE)
    assert spouse_order.case == new_case
    # The release job does not release an order that ended positive.
    with django_capture_on_commit_callbacks(execute=True):
        summary = quarantine.release_due_orders(timezone.now())
    assert order.pk not in summary.released
    assert not ReleaseCertificate.objects.filter(order=order).exists()
