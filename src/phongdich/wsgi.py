"""WSGI entry point for gunicorn: ``gunicorn phongdich.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongdich.settings")
django_application = get_wsgi_application()
# Import every URLconf, view and API schema now, while the worker boots, rather than in its first request:
# that import takes seconds, and after a restart at rush hour the first requests of each worker would wait.
get_resolver().url_patterns  # noqa: B018

from phongdich.checkins.fastlane import CheckinFastLane  # noqa: E402 (needs the apps loaded above)

application = CheckinFastLane(django_application)

# Everything loaded so far lives as long as the worker: set it aside from the cyclic garbage collector, whose
# full collections otherwise walk those 280,000 objects again and again (a third of the time of a
# device's batch of 10,000 check-ins was spent there).
gc.freeze()
