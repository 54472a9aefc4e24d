"""Background jobs of the accounts app."""

from __future__ import annotations

from celery import shared_task

from phongdich.accounts import services


@shared_task(name="accounts.purge_expired_tokens")
def purge_expired_tokens(older_than_days: int = 90) -> int:
    return services.purge_expired_tokens(older_than_days)
