"""Background jobs of exposure notifications (run at once in the calling process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from phongdich.exposure import exports


@shared_task(name="exposure.publish_exports")
def publish_exports() -> int:
    """Cut the next export batch of the province's region; how many real keys it published."""
    return exports.publish_exports().keys


@shared_task(name="exposure.purge_expired")
def purge_expired() -> int:
    """Delete keys and export files older than 14 days; how many keys."""
    return exports.purge_expired()["keys"]
