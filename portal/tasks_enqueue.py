"""The one way services start background work: ``enqueue("allocations.usage.process_import", import_id=7)``.

The task is sent by its name after the current transaction commits (at once outside a transaction, never if it
rolls back). Services therefore import no task module (task modules import services: no import circle), and every
task the portal starts passes this one point, where delivery can change (an outbox) without touching a caller.
"""

from dataclasses import dataclass, field

from django.db import transaction

from portal.celery import app


@dataclass(frozen=True, eq=False)
class Enqueued:
    """A task to send on commit. Tests find these among ``django_capture_on_commit_callbacks`` to count what a
    service queued, without a broker and without waiting."""

    name: str
    kwargs: dict = field(default_factory=dict)

    def __call__(self) -> None:
        app.send_task(self.name, kwargs=self.kwargs)


def enqueue(name: str, /, **kwargs) -> Enqueued:
    """Send the task called ``name`` with JSON-serialisable ``kwargs`` once the current transaction commits."""
    task = Enqueued(name, kwargs)
    transaction.on_commit(task)
    return task


def enqueued(callbacks, name: str | None = None) -> list[Enqueued]:
    """The tasks among on-commit ``callbacks`` (all of them, or those called ``name``), in order."""
    return [c for c in callbacks if isinstance(c, Enqueued) and (name is None or c.name == name)]
