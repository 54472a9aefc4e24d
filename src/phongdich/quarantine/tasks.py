"""Background jobs of quarantine (run at once in the calling process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from phongdich.quarantine import services


@shared_task(name="quarantine.release_due_orders")
def release_due_orders() -> dict[str, int]:
    """Release the orders whose planned end has come (or ask for a review); the counts."""
    summary = services.release_due_orders()
    return {"released": len(summary.released), "to_review": len(summary.to_review)}


@shared_task(name="quarantine.check_missed_health_checks")
def check_missed_health_checks() -> int:
    """After the day's cutoff, alert on people followed with no health check today; how many."""
    return services.check_missed_health_checks()
