"""The exposure app's part in the synthetic province: clearing the simulated phones of a run's people.

The simulation itself is ``phongdich exposure simulate`` (see :mod:`phongdich.exposure.simulator`), run on
the generated check-ins when wanted: generating the province does not run it, so the generated world (and
the tracing benchmark's ground truth, which knows venue and household evidence only) stays as it was.
Its ``clear`` removes the phones of the run's people before the people go (they are deleted in bulk,
without the ORM's cascade, and a phone pointing at one would make the delete fail).
"""

from __future__ import annotations

from phongdich.exposure.models import AppInstall
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, register_step
from phongdich.synth.models import SynthRun


class ExposureStep:
    name = "exposure"

    def run(self, context: SynthContext) -> None:
        """Nothing to generate (see the module docstring)."""

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        people = run.id_range("person")
        if people is not None:
            AppInstall.objects.filter(person_id__gte=people[0], person_id__lte=people[1]).delete()


def register() -> None:
    """Add the step after the synth app's own steps (this app is made ready before ``synth``)."""
    from phongdich.synth.checkins_step import CheckInStep
    from phongdich.synth.outbreak_step import OutbreakStep
    from phongdich.synth.vaccination_step import VaccinationStep
    from phongdich.synth.venues_step import VenueStep

    for step in (VenueStep(), CheckInStep(), OutbreakStep(), VaccinationStep()):
        register_step(step)
    register_step(ExposureStep())
