"""The synthetic province's quarantine: facilities with beds, people in them day by day, tests and releases.

Runs after the outbreak step, in the generator's transaction, through the quarantine services wherever a real
officer would act, so the demo shows a living province:

- two quarantine facilities per district (every third district's second one a hotel for paid quarantine),
  opened by the district's officer (``huyen-<code>``) with rooms of beds (``create_facility``, ``add_rooms``);
- people arriving from abroad or from level-4 areas over the last two weeks, admitted to those beds by the
  district officer (``admit``: each admission issues a facility order with the policy's dates and test days);
- their daily health checks from the first day to the reference date (written in bulk with the services' own
  danger rule; a few of the last day's checks, with SpO₂ under 96 %, go through ``record_health_check`` so
  their alerts, tasks and officer messages are raised as in real life);
- their scheduled tests, sampled on the due day and reported negative by the province laboratory through the
  testing services (the arrivals are not part of the simulated outbreak, so none of them is infected);
- the release job (``release_due_orders``) at the run's "now": orders past their end with negative tests are
  released with a certificate; the missed-check job for today.

The step runs when an outbreak is asked for (``--outbreak N``, N > 0: the default of ``synth`` and the demo).
The outbreak's traced F1s are placed under quarantine by the quarantine app itself, when tracing runs after
the generator's transaction commits (``tracing.contacts_found``). Deterministic for the seed and reference date.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.utils import timezone

from phongdich.accounts.models import User
from phongdich.core.errors import DomainError
from phongdich.geo.models import AdministrativeUnit
from phongdich.people.models import Person
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, district_username, register_step
from phongdich.synth.models import SynthRun

FACILITIES_PER_DISTRICT = 2
ROOMS = (3, 5)  # rooms per facility
BEDS_PER_ROOM = (4, 6)
OCCUPANCY = 0.6  # share of beds filled at most
MAX_ARRIVALS_SHARE = 0.01  # of the population, at most (keeps the demo quick)
ARRIVAL_DAYS = 13  # admissions spread over the reference date and the days before it
DANGER_CHECKS = 3  # last-day checks with a low SpO₂ (through the service)
CHECK_HOUR = (7, 10)  # local time of the morning check
HOTEL_PRICE = Decimal(1_200_000)  # VND a day (2021 prices of a mid-range hotel used for paid quarantine)


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class QuarantineStep:
    name = "quarantine"

    def run(self, context: SynthContext) -> None:
        people = context.run.id_range("person")
        for key in ("facilities", "beds", "admissions", "checks", "danger_checks", "tests", "released"):
            context.counts[f"quarantine_{key}"] = 0
        if not people or not context.districts or context.options.outbreak <= 0:
            return  # no outbreak asked for (--outbreak 0): no quarantine either
        officers = {
            user.username: user
            for user in User.objects.filter(username__in=[district_username(d) for d in context.districts])
        }
        beds = self._facilities(context, officers)
        if not beds:
            return
        orders = self._arrivals(context, officers, beds, people)
        self._checks(context, orders)
        self._tests(context, orders)
        self._release(context)

    # --- Facilities ---------------------------------------------------------------------------------------------

    def _facilities(self, context: SynthContext, officers: dict[str, User]) -> dict[int, list[tuple[int, int]]]:
        """Facilities per district: district id -> [(facility id, bed id)] in bed order."""
        from phongdich.quarantine import services
        from phongdich.quarantine.models import FacilityBed, FacilityKind

        by_district: dict[str, list[AdministrativeUnit]] = {}
        for commune in context.communes:
            by_district.setdefault(commune.path.strip("/").split("/")[1], []).append(commune)
        made: dict[int, list[tuple[int, int]]] = {}
        facility_ids: list[int] = []
        for number, district in enumerate(context.districts):
            officer = officers.get(district_username(district))
            communes = by_district.get(district.code, [])
            if officer is None or not communes:
                continue
            rng = context.rng("quarantine-facilities", district.code)
            place = district.short_name or district.name
            for index in range(FACILITIES_PER_DISTRICT):
                hotel = index == 1 and number % 3 == 0
                commune = rng.choice(communes)
                facility = services.create_facility(
                    officer,
                    services.FacilityInput(
                        name=f"Khách sạn {place} {index + 1} (cách ly có thu phí)"
                        if hotel
                        else f"Khu cách ly tập trung {place} số {index + 1}",
                        commune=commune.code,
                        kind=FacilityKind.HOTEL if hotel else FacilityKind.CENTRALIZED,
                        address=f"{commune.name}, {district.name}",
                        price_per_day=HOTEL_PRICE if hotel else None,
                    ),
                )
                rooms = {f"P{floor}0{room}": rng.randint(*BEDS_PER_ROOM) for floor, room in self._rooms(rng)}
                services.add_rooms(officer, facility.pk, rooms)
                facility_ids.append(facility.pk)
                made.setdefault(district.pk, []).extend(
                    (facility.pk, bed_id)
                    for bed_id in FacilityBed.objects.filter(facility=facility)
                    .order_by("room__name", "label")
                    .values_list("pk", flat=True)
                )
        if facility_ids:
            context.run.id_ranges["quarantine_facility"] = [min(facility_ids), max(facility_ids)]
        context.counts["quarantine_facilities"] = len(facility_ids)
        context.counts["quarantine_beds"] = sum(len(beds) for beds in made.values())
        return made

    @staticmethod
    def _rooms(rng: random.Random) -> list[tuple[int, int]]:
        count = rng.randint(*ROOMS)
        return [(1 + n // 3, 1 + n % 3) for n in range(count)]

    # --- Arrivals -----------------------------------------------------------------------------------------------

    def _candidates(self, context: SynthContext, people: tuple[int, int]) -> dict[int, list[int]]:
        """Adults of the run, by district id, who are neither part of the outbreak nor tested nor a case."""
        from phongdich.cases.models import Case
        from phongdich.quarantine.models import QuarantineOrder
        from phongdich.synth.models import TransmissionEvent
        from phongdich.testing.models import Sample

        as_of = context.options.as_of
        adults = Person.objects.filter(
            pk__gte=people[0],
            pk__lte=people[1],
            date_of_birth__lte=as_of - dt.timedelta(days=18 * 366),  # adults (a few days' margin)
            date_of_birth__gte=as_of - dt.timedelta(days=70 * 365),
        )
        in_run = Q(person_id__gte=people[0], person_id__lte=people[1])
        excluded = set(TransmissionEvent.objects.filter(run=context.run).values_list("infectee_id", flat=True))
        for model in (Sample, Case, QuarantineOrder):
            excluded |= set(model.objects.filter(in_run).values_list("person_id", flat=True))
        district_of = {commune.pk: commune.parent_id for commune in context.communes}
        found: dict[int, list[int]] = {}
        for person_id, commune_id in adults.order_by("pk").values_list("pk", "home_commune_id"):
            if person_id not in excluded and commune_id in district_of:
                found.setdefault(int(district_of[commune_id] or 0), []).append(person_id)
        return found

    def _arrivals(
        self,
        context: SynthContext,
        officers: dict[str, User],
        beds: dict[int, list[tuple[int, int]]],
        people: tuple[int, int],
    ) -> list[int]:
        """Admit arrivals to the district's beds, admissions spread over the last days; their order ids."""
        from phongdich.quarantine import services
        from phongdich.quarantine.models import OrderReason

        candidates = self._candidates(context, people)
        total_people = people[1] - people[0] + 1
        total_beds = sum(len(b) for b in beds.values())
        wanted_total = min(round(total_beds * OCCUPANCY), round(total_people * MAX_ARRIVALS_SHARE))
        now = context.now
        orders: list[int] = []
        districts = {district.pk: district for district in context.districts}
        for district_id, district_beds in sorted(beds.items()):
            district = districts[district_id]
            officer = officers[district_username(district)]
            share = round(wanted_total * len(district_beds) / total_beds) if total_beds else 0
            rng = context.rng("quarantine-arrivals", district.code)
            pool = candidates.get(district_id, [])
            chosen = rng.sample(pool, min(share, len(pool), len(district_beds)))
            for bed_index, person_id in enumerate(chosen):
                facility_id, bed_id = district_beds[bed_index]
                day = context.options.as_of - dt.timedelta(days=rng.randint(0, ARRIVAL_DAYS))
                admitted_at = min(_local(day, rng.randint(8, 20), rng.randint(0, 59)), now - dt.timedelta(minutes=5))
                reason = OrderReason.ENTRY_FROM_ABROAD if rng.random() < 0.4 else OrderReason.ARRIVAL_FROM_LEVEL4
                try:
                    admission = services.admit(
                        officer,
                        services.AdmissionInput(
                            facility=facility_id, bed=bed_id, person=person_id, reason=reason, admitted_at=admitted_at
                        ),
                    )
                except DomainError:
                    continue  # the services refused it (e.g. a full facility): nothing stored
                orders.append(admission.order_id)
        context.counts["quarantine_admissions"] = len(orders)
        return orders

    # --- Daily health checks ------------------------------------------------------------------------------------

    def _checks(self, context: SynthContext, order_ids: list[int]) -> None:
        """A morning check for every day of each stay up to the reference date (and not after now)."""
        from phongdich.quarantine import services
        from phongdich.quarantine.models import FacilityAdmission, HealthCheck

        stays = (
            FacilityAdmission.objects.filter(order_id__in=order_ids)
            .select_related("order", "facility", "admitted_by")
            .order_by("pk")
        )
        rng = context.rng("quarantine-checks")
        rows: list[HealthCheck] = []
        last_day: list[tuple[int, User]] = []
        now = context.now
        for stay in stays:
            order = stay.order
            day = timezone.localtime(stay.admitted_at).date() + dt.timedelta(days=1)
            end = min(order.planned_end, context.options.as_of)
            while day <= end:
                taken_at = _local(day, rng.randint(*CHECK_HOUR), rng.randint(0, 59))
                if taken_at > now:
                    break
                if day == end and day >= timezone.localdate(now) - dt.timedelta(days=1) and stay.admitted_by:
                    last_day.append((stay.person_id, stay.admitted_by))
                check = HealthCheck(
                    person_id=stay.person_id,
                    order=order,
                    commune_id=stay.facility.commune_id,
                    facility=stay.facility,
                    taken_at=taken_at,
                    temperature=Decimal(f"{rng.uniform(36.1, 37.4):.1f}"),
                    spo2=rng.randint(96, 99),
                    symptoms=["cough"] if rng.random() < 0.03 else [],
                    entered_by=stay.admitted_by,
                    created_at=taken_at,
                )
                check.danger_signs = services.danger_signs(check)
                rows.append(check)
                day += dt.timedelta(days=1)
        HealthCheck.objects.bulk_create(rows, batch_size=1000)
        # A few of the latest checks show a danger sign: through the service, with the alert it raises.
        danger = 0
        for person_id, officer in rng.sample(last_day, min(DANGER_CHECKS, len(last_day))):
            try:
                services.record_health_check(
                    officer,
                    services.HealthCheckInput(
                        person=person_id,
                        taken_at=now - dt.timedelta(minutes=rng.randint(10, 120)),
                        temperature=Decimal("37.9"),
                        spo2=rng.randint(92, 95),
                        breathing_difficulty=rng.random() < 0.5,
                        note="Mệt, khó thở nhẹ",
                    ),
                )
            except DomainError:
                continue
            danger += 1
        context.counts["quarantine_checks"] = len(rows) + danger
        context.counts["quarantine_danger_checks"] = danger

    # --- Tests and release --------------------------------------------------------------------------------------

    def _lab(self, context: SynthContext) -> User:
        from phongdich.accounts.roles import Role
        from phongdich.accounts.services import create_account
        from phongdich.synth.outbreak_step import lab_name, lab_username

        username = lab_username(context.province.code)
        lab = User.objects.filter(username=username).first()
        if lab is None:
            lab = create_account(
                username,
                role=Role.LAB_TECHNICIAN,
                units=[context.province],
                password_hash=context.options.staff_password_hash,
                full_name=f"Phòng xét nghiệm {lab_name(context)}",
            )
        return lab

    def _tests(self, context: SynthContext, order_ids: list[int]) -> None:
        """Each due test, sampled in the morning and reported in the afternoon, by the province laboratory."""
        from phongdich.quarantine.models import OrderStatus, ScheduledTest, ScheduledTestStatus
        from phongdich.synth.outbreak_step import lab_name
        from phongdich.testing import services as testing

        lab = self._lab(context)
        rng = context.rng("quarantine-tests")
        due = (
            ScheduledTest.objects.filter(
                order_id__in=order_ids, status=ScheduledTestStatus.DUE, due_on__lte=context.options.as_of
            )
            .select_related("order")
            .order_by("due_on", "order_id", "day_number")
        )
        now = context.now
        tested = 0
        sample_ids: list[int] = []
        for test in list(due):
            order = test.order
            order.refresh_from_db(fields=["status"])
            if order.status != OrderStatus.ACTIVE:
                continue  # ended meanwhile
            taken_at = _local(test.due_on, rng.randint(7, 9), rng.randint(0, 59))
            if taken_at > now:
                continue
            try:
                recorded = testing.record_sample(
                    lab,
                    testing.SampleInput(
                        person=order.person_id,
                        test_type=test.test_type,
                        taken_at=taken_at,
                        site="Khu cách ly",
                        lab=lab_name(context) if test.test_type == "rt_pcr" else "",
                        uuid=UUID(int=rng.getrandbits(128), version=4),
                        result="negative",
                        reported_at=min(taken_at + dt.timedelta(hours=rng.randint(4, 9)), now),
                        result_uuid=UUID(int=rng.getrandbits(128), version=4),
                    ),
                )
            except DomainError:
                continue
            sample_ids.append(recorded.sample.pk)
            tested += 1
        if sample_ids:
            context.run.id_ranges["quarantine_sample"] = [min(sample_ids), max(sample_ids)]
        context.counts["quarantine_tests"] = tested

    def _release(self, context: SynthContext) -> None:
        from phongdich.quarantine import services

        summary = services.release_due_orders(context.now)
        context.counts["quarantine_released"] = len(summary.released)
        context.counts["quarantine_to_review"] = len(summary.to_review)
        context.counts["quarantine_missed_checks"] = services.check_missed_health_checks(context.now)

    # --- Replace ------------------------------------------------------------------------------------------------

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        """The quarantine records of the run's people (orders and all they hold, checks, alerts, stays), the
        work items and messages about them, and the run's facilities. Runs before the people are deleted in
        bulk (which would not cascade)."""
        from phongdich.notify.models import Message
        from phongdich.quarantine import models as q
        from phongdich.tasks.models import Task

        people = run.id_range("person")
        facilities = run.id_range("quarantine_facility")
        samples = run.id_range("quarantine_sample")
        if people and samples:
            # The step's samples, their results and the cases they opened (with those cases' contacts).
            from phongdich.cases.models import Case
            from phongdich.testing.models import Sample, TestResult

            ours = Sample.objects.filter(
                pk__gte=samples[0], pk__lte=samples[1], person_id__gte=people[0], person_id__lte=people[1]
            )
            Case.objects.filter(source_result__in=TestResult.objects.filter(sample__in=ours)).delete()
            ours.delete()
        if people:
            first, last = people
            mine = Q(person_id__gte=first, person_id__lte=last)
            q.QuarantineAlert.objects.filter(mine).delete()
            q.HealthCheck.objects.filter(mine).delete()
            q.FacilityAdmission.objects.filter(mine).delete()
            orders = q.QuarantineOrder.objects.filter(mine)
            q.ReleaseCertificate.objects.filter(order__in=orders).delete()
            orders.delete()
            Task.objects.filter(mine).delete()
            Message.objects.filter(mine).delete()
        if facilities:
            first, last = facilities
            generated = q.QuarantineFacility.objects.filter(pk__gte=first, pk__lte=last)
            # Others in a generated facility (added by hand): their stays there go, their records stay.
            q.HealthCheck.objects.filter(facility__in=generated).update(facility=None)
            q.QuarantineAlert.objects.filter(facility__in=generated).update(facility=None)
            q.FacilityAdmission.objects.filter(facility__in=generated).delete()
            q.QuarantineOrder.objects.filter(facility__in=generated).update(facility=None)
            Task.objects.filter(facility_id__gte=first, facility_id__lte=last).delete()
            generated.delete()


def register() -> None:
    """Add the step to the synthetic province's plan, after the outbreak step it builds on.

    Apps are made ready in INSTALLED_APPS order and ``quarantine`` comes before ``synth``: when called from the
    quarantine app's ``ready``, the synth app's own steps are registered first (registering is idempotent by
    name, so the synth app's ``ready`` then changes nothing) and this step lands after them.
    """
    from phongdich.synth.checkins_step import CheckInStep
    from phongdich.synth.outbreak_step import OutbreakStep
    from phongdich.synth.vaccination_step import VaccinationStep
    from phongdich.synth.venues_step import VenueStep

    for step in (VenueStep(), CheckInStep(), OutbreakStep(), VaccinationStep()):
        register_step(step)
    register_step(QuarantineStep())


def plan_with_quarantine(plan: list[Any]) -> list[Any]:
    """``plan`` with this step at its end (for a caller that builds its own plan)."""
    return [step for step in plan if step.name != QuarantineStep.name] + [QuarantineStep()]
