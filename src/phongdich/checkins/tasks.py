"""Background jobs of the check-ins app (Celery beat: see CELERY_BEAT_SCHEDULE in settings)."""

from __future__ import annotations

from celery import shared_task

from phongdich.checkins import services


@shared_task(name="checkins.infer_checkouts")
def infer_checkouts() -> int:
    """Close visits nobody checked out of, at the default stay of the venue's kind."""
    return services.infer_checkouts()


@shared_task(name="checkins.ensure_partitions")
def ensure_partitions(days_ahead: int = 7) -> int:
    """PostgreSQL: create the coming days' partitions before their first check-in arrives."""
    return services.ensure_partitions(days_ahead)


@shared_task(name="checkins.purge_expired")
def purge_expired() -> int:
    """Delete check-ins older than the retention period (CHECKIN_RETENTION_DAYS, default 21)."""
    return services.purge_expired()
