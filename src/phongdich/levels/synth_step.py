"""The synthetic province's epidemic levels: capacity declared by a few units, every unit assessed, and the
week's results published, so the map and the dashboard have levels to show.

Runs after the outbreak and vaccination steps (registered after them from ``LevelsConfig.ready``). The
synthetic population is the census × the run's scale, so the assessment's denominators are scaled alike
(``population_scale``). Capacity is declared through the service by the commune and district accounts the
staff step made; one commune in twelve (and every fourth district) declares its capacity not met, so
criterion 3 shows on the map. The province then publishes the results as computed, in effect from the run's
"now": the synthetic province's week starts with them (bulk writes: no one stands behind the demo's steps).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from phongdich.accounts.models import User
from phongdich.levels import services
from phongdich.levels.models import Assessment, AssessmentStatus, UnitCapacity
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, commune_username, district_username, register_step
from phongdich.synth.models import SynthRun

NOT_MET_EVERY_COMMUNES = 12
NOT_MET_EVERY_DISTRICTS = 4


class LevelsStep:
    name = "levels"

    def run(self, context: SynthContext) -> None:
        context.counts["levels_capacities"] = 0
        context.counts["levels_published"] = 0
        if not context.communes:
            return
        now = context.now
        declaring = [
            (commune_username(unit), unit, index % NOT_MET_EVERY_COMMUNES != 0)
            for index, unit in enumerate(context.communes)
            if index % 3 == 0
        ] + [
            (district_username(unit), unit, index % NOT_MET_EVERY_DISTRICTS != 0)
            for index, unit in enumerate(context.districts)
        ]
        accounts = {
            user.username: user for user in User.objects.filter(username__in=[name for name, _u, _m in declaring])
        }
        capacity_ids = []
        for username, unit, met in declaring:
            account = accounts.get(username)
            if account is None:
                continue
            declaration = services.declare_capacity(
                account,
                services.CapacityInput(unit=unit.code, capacity_met=met, treatment_beds=20 if met else 4),
                at=now - dt.timedelta(days=1),
            )
            capacity_ids.append(declaration.pk)
        if capacity_ids:
            context.run.id_ranges["levels_capacity"] = [min(capacity_ids), max(capacity_ids)]
        results = services.assess_all(None, now, population_scale=context.options.scale)
        ids = [result.pk for result in results]
        Assessment.objects.filter(pk__in=ids).update(
            status=AssessmentStatus.PUBLISHED,
            proposed_at=now,
            approved_at=now,
            published_at=now,
            effective_at=now,
        )
        context.run.id_ranges["levels_assessment"] = [min(ids), max(ids)]
        context.counts["levels_capacities"] = len(capacity_ids)
        context.counts["levels_published"] = len(ids)

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        assessments = run.id_range("levels_assessment")
        if assessments:
            Assessment.objects.filter(pk__gte=assessments[0], pk__lte=assessments[1]).delete()
        capacities = run.id_range("levels_capacity")
        if capacities:
            UnitCapacity.objects.filter(Q(pk__gte=capacities[0]) & Q(pk__lte=capacities[1])).delete()


def register() -> None:
    """Add the step after the outbreak and vaccination steps (this app is made ready before ``synth``)."""
    from phongdich.synth.checkins_step import CheckInStep
    from phongdich.synth.outbreak_step import OutbreakStep
    from phongdich.synth.vaccination_step import VaccinationStep
    from phongdich.synth.venues_step import VenueStep

    for step in (VenueStep(), CheckInStep(), OutbreakStep(), VaccinationStep()):
        register_step(step)
    register_step(LevelsStep())
