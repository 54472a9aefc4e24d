"""Background jobs of notifications (run at once in the calling process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from phongdich.notify import services


@shared_task(name="notify.deliver_message")
def deliver_message(message_id: int) -> str:
    """One delivery attempt; the status it ends in."""
    return services.deliver(message_id)


@shared_task(name="notify.deliver_due")
def deliver_due() -> int:
    """Retries that are due, and messages whose delivery job was lost; how many were attempted."""
    return services.deliver_due()
