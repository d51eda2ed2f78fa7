"""Celery autodiscovers only ``<app>.tasks``: each context's task module is imported here."""

from allocations.applications import tasks as application_tasks  # noqa: F401
from allocations.capacity import tasks as capacity_tasks  # noqa: F401
from allocations.dashboards import tasks as dashboard_tasks  # noqa: F401
from allocations.postaward.reports import tasks as report_tasks  # noqa: F401
from allocations.usage import tasks as usage_tasks  # noqa: F401
