"""The Celery app of the kill test's worker subprocesses: the portal's app, with the Redis visibility timeout taken
from ``KILL_TEST_VISIBILITY_TIMEOUT`` so that a task left unacknowledged by a killed worker is handed to the next
worker within seconds instead of after the production hour."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from portal.celery import app

app.conf.broker_transport_options = {
    "visibility_timeout": int(os.environ.get("KILL_TEST_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
