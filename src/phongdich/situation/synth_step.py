"""The synthetic province's daily figures: rebuilt once every other step has written its data.

The generator writes people, doses, cases and orders in bulk (no signals), so the incremental updates
never see them: this last step rebuilds ``CommuneDayStat`` from the raw rows with the grouped queries of
``stats.rebuild`` (a few seconds at the demo's scale). What tracing does after the generator's transaction
commits (the F1s' quarantine orders) is then kept up to date incrementally, as in real use.
"""

from __future__ import annotations

from phongdich.situation import stats
from phongdich.situation.models import CaseDays, CommuneDayStat
from phongdich.synth.bulk import BulkWriter
from phongdich.synth.generator import SynthContext, register_step
from phongdich.synth.models import SynthRun


class SituationStep:
    name = "situation"

    def run(self, context: SynthContext) -> None:
        context.counts["situation_day_rows"] = stats.rebuild()

    def clear(self, run: SynthRun, writer: BulkWriter) -> None:
        # Derived figures only: the next run (or situation-rebuild) computes them again.
        CommuneDayStat.objects.all().delete()
        CaseDays.objects.all().delete()


def register() -> None:
    """Add the step at the end of the plan: after the synth app's steps and the apps' steps it counts."""
    from phongdich.exposure import synth_step as exposure_step
    from phongdich.quarantine import synth_step as quarantine_step

    # Those apps register the synth app's steps and their own first (registering is idempotent by name).
    exposure_step.register()
    quarantine_step.register()
    register_step(SituationStep())
