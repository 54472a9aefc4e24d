"""The Celery application. Without a broker (no REDIS_URL) tasks run eagerly in the calling process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongdich.settings")

app = Celery("phongdich")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
