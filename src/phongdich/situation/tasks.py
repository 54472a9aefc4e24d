"""Background jobs of the situation app (run at once in the calling process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from phongdich.situation import stats


@shared_task(name="situation.refresh_recent")
def refresh_recent() -> int:
    """Recompute the last two local days of every commune (repairs any update lost on the way); rows stored."""
    return stats.refresh_recent(days=2)
