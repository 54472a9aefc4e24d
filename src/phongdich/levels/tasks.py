"""Background jobs of levels (run at once in the calling process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from phongdich.levels import services


@shared_task(name="levels.assess_all")
def assess_all() -> int:
    """The weekly assessment of every unit (results "computed", for the districts to propose); how many."""
    return len(services.assess_all(None))
