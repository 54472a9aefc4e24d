"""A small outbreak built through the real services, with times relative to now (check-ins are kept 21 days).

``T0`` is 10:00 (Asia/Ho_Chi_Minh) four days ago: the F0 is at the market from T0 to T0 + 30 minutes.
The F0's case is sampled the day after T0, so its infectious window opens at local midnight of the day
before T0 and closes at confirmation (an hour ago).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from phongdich.accounts.roles import Role
from phongdich.cases import services as cases
from phongdich.checkins import services as checkins
from phongdich.people.models import Household
from phongdich.tracing import services
from phongdich.tracing.models import Contact
from phongdich.venues import services as venues

HA_KHANH, HA_PHONG, MONG_CAI = "06649", "06652", "06727"


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


class World:
    def __init__(self, make_account, make_person) -> None:
        self.officer = make_account(Role.COMMUNE_OFFICER, HA_KHANH, username="xa-ha-khanh")
        self.far_officer = make_account(Role.COMMUNE_OFFICER, MONG_CAI, username="xa-mong-cai")
        self.epi = make_account(Role.EPIDEMIOLOGIST, "22", username="cdc")
        self.admin = make_account(Role.PROVINCE_ADMIN, "22", username="tinh")
        self.make_person = make_person
        today = timezone.localdate()
        self.t0 = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=4), dt.time(10, 0)))
        self.window_start = timezone.make_aware(
            dt.datetime.combine(timezone.localdate(self.t0) - dt.timedelta(days=1), dt.time.min)
        )
        self.market = self.venue("Chợ Hạ Long 1", "market")
        self.cafe = self.venue("Quán cà phê Gió", "restaurant")
        self.office = self.venue("Văn phòng Cảng", "office")
        self.household = Household.objects.create(code="HK-0001", commune=self.officer.units.first(), address="Tổ 1")
        self.f0 = self.person(household="HK-0001")

    def venue(self, name: str, kind: str, commune: str = HA_KHANH):
        data = venues.VenueInput(name=name, kind=kind, commune=commune, address="Số 1")
        return venues.register_venue(self.admin, data)

    def person(self, commune: str = HA_KHANH, **fields):
        return self.make_person(self.admin, home_commune=commune, **fields)

    def visit(self, who, venue, at: dt.datetime, out: dt.datetime | None = None, *, phone: str = ""):
        visitor = checkins.Visitor(person=who, phone=phone, name="Khách" if who is None else "")
        method = "typed_id" if who is not None else "device"
        recorded = checkins.record_checkin(
            self.officer, venue=venue, visitor=visitor, method=method, checked_in_at=at, uuid=uuid.uuid4()
        )
        if out is not None:
            checkins.check_out(recorded.checkin.uuid, at=out, actor=self.officer)
        return recorded.checkin

    def open_case(self, person=None, **fields):
        data = {
            "person": (person or self.f0).pk,
            "sampled_on": timezone.localdate(self.t0) + dt.timedelta(days=1),
            "confirmed_at": timezone.now() - dt.timedelta(hours=1),
            **fields,
        }
        return cases.open_case(self.epi, cases.CaseInput(**data))

    def trace(self, case):
        return services.run_tracing(case.pk)

    @staticmethod
    def contacts(case, degree: int | None = None) -> dict[object, Contact]:
        found = Contact.objects.filter(case=case)
        if degree is not None:
            found = found.filter(degree=degree)
        return {c.person_id or c.phone: c for c in found}
