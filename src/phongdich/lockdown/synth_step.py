"""The synthetic province's lockdown zones: one in force and one ended, so the map and the levels show both.

Runs after the outbreak step, in the generator's transaction, through ``services.create_zone`` as the district
officer (``huyen-<code>``) would:

- the commune with the most cases confirmed in the last 7 days is locked down since 5 days before the run's
  "now" (its community cases from then on are marked as found in a locked-down area);
- the commune with the next most cases over the last month gets a zone that lasted 10 days and ended
  two weeks ago (a drawn square around its point, so the map shows a drawn area too).

Nothing happens without cases (``--outbreak 0``). Deterministic for the seed and reference date.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

from phongdich.accounts.models import User
from phongdich.cases.models import Case
from phongdich.core.errors import DomainError
from phongdich.geo.models import AdministrativeUnit
from phongdich.lockdown.services import ZoneInput, create_zone
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, district_username, register_step
from phongdich.synth.models import SynthRun

ACTIVE_SINCE_DAYS = 5
ENDED_START_DAYS = 24
ENDED_LENGTH_DAYS = 10
SQUARE_HALF_SIDE = 0.01  # degrees (about 1 km) around the commune's point


class LockdownStep:
    name = "lockdown"

    def run(self, context: SynthContext) -> None:
        context.counts["lockdown_zones"] = 0
        people = context.run.id_range("person")
        if not people:
            return
        ours = Case.objects.filter(person_id__gte=people[0], person_id__lte=people[1])
        recent = self._busiest(ours.filter(confirmed_at__gte=context.now - dt.timedelta(days=7)))
        month = self._busiest(ours.filter(confirmed_at__gte=context.now - dt.timedelta(days=30)))
        made: list[int] = []
        if recent:
            commune = recent[0]
            made += self._zone(
                context,
                commune,
                ZoneInput(
                    name=f"Phong tỏa {commune.name}",
                    reason="Ổ dịch cộng đồng (dữ liệu mô phỏng)",
                    starts_at=context.now - dt.timedelta(days=ACTIVE_SINCE_DAYS),
                    units=[commune.code],
                ),
            )
        second = next((unit for unit in month if not recent or unit.pk != recent[0].pk), None)
        if second is not None and second.latitude is not None and second.longitude is not None:
            lon, lat, half = second.longitude, second.latitude, SQUARE_HALF_SIDE
            square = [
                [lon - half, lat - half],
                [lon + half, lat - half],
                [lon + half, lat + half],
                [lon - half, lat + half],
            ]
            starts = context.now - dt.timedelta(days=ENDED_START_DAYS)
            made += self._zone(
                context,
                second,
                ZoneInput(
                    name=f"Khoanh vùng {second.name}",
                    reason="Khoanh vùng đã kết thúc (dữ liệu mô phỏng)",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(days=ENDED_LENGTH_DAYS),
                    area={"type": "Polygon", "coordinates": [[*square, square[0]]]},
                ),
            )
        if made:
            context.run.id_ranges["lockdown_zone"] = [min(made), max(made)]
        context.counts["lockdown_zones"] = len(made)

    @staticmethod
    def _busiest(cases: QuerySet[Case]) -> list[AdministrativeUnit]:
        rows = cases.values("commune_id").annotate(n=Count("pk")).order_by("-n", "commune_id")[:2]
        by_id = AdministrativeUnit.objects.in_bulk([row["commune_id"] for row in rows])
        return [by_id[row["commune_id"]] for row in rows]

    @staticmethod
    def _zone(context: SynthContext, commune: AdministrativeUnit, data: ZoneInput) -> list[int]:
        district = commune.parent
        officer = User.objects.filter(username=district_username(district)).first() if district else None
        if officer is None:
            return []
        try:
            zone = create_zone(officer, data)
        except DomainError:
            return []
        return [zone.pk]

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        from phongdich.lockdown.models import LockdownZone

        zones = run.id_range("lockdown_zone")
        if zones:
            LockdownZone.objects.filter(pk__gte=zones[0], pk__lte=zones[1]).delete()


def register() -> None:
    """Add the step after the outbreak it builds on (this app is made ready before ``synth``). The levels app
    comes after this one in INSTALLED_APPS, so the levels step runs later and sees the cases the zones mark."""
    from phongdich.synth.checkins_step import CheckInStep
    from phongdich.synth.outbreak_step import OutbreakStep
    from phongdich.synth.vaccination_step import VaccinationStep
    from phongdich.synth.venues_step import VenueStep

    for step in (VenueStep(), CheckInStep(), OutbreakStep(), VaccinationStep(), LockdownStep()):
        register_step(step)
