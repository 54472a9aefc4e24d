"""Background jobs of contact tracing (run at once in the calling process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from phongdich.tracing import services


@shared_task(name="tracing.trace_case")
def trace_case(case_id: int, trigger: str = services.Trigger.MANUAL) -> int | None:
    """Trace one case and store its F1/F2 lists; the id of the run."""
    run = services.run_tracing(case_id, trigger)
    return run.pk if run is not None else None


@shared_task(name="tracing.reconcile_removed_checkins")
def reconcile_removed_checkins() -> int:
    """Re-trace the cases whose evidence cites a check-in that was deleted; how many."""
    return len(services.reconcile_removed_checkins())


@shared_task(name="tracing.trace_pending")
def trace_pending() -> int:
    """Trace the active cases left without a finished run (a lost job, a failure); how many."""
    return len(services.trace_pending())
