"""Celery autodiscovers only ``<app>.tasks``: each context's task module is imported here."""

from allocations import capacity_tasks, dashboard_tasks, usage_tasks  # noqa: F401
from allocations.applications import tasks as application_tasks  # noqa: F401
