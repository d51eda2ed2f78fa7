"""The sweep of uploaded imports whose worker was lost (killed, out of memory, host restarted)."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from allocations.models.usage import ImportSource, ImportStatus, UsageImport, UsageImportEvent
from allocations.usage.services.imports import _transition
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

# A queued import no worker started in this time lost its message: it is queued again.
QUEUED_STUCK_AFTER = timezone.timedelta(minutes=10)
# No task runs longer than Celery's hard time limit: an import "running" for longer has no worker any more.
RUNNING_STUCK_AFTER = timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
MAX_ATTEMPTS = 3


def usage_imports_sweep_stuck(*, now=None) -> dict[str, int]:
    """Beat: queue stuck uploaded imports again (the merge is idempotent, so records count once) or, after
    ``MAX_ATTEMPTS`` starts or for a pushed batch (its records lived only in the request), fail them with the
    reason. Returns ``{"requeued": n, "failed": m}``."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    stuck = UsageImport.objects.filter(
        Q(status=ImportStatus.QUEUED, created_at__lte=now - QUEUED_STUCK_AFTER)
        | Q(status=ImportStatus.RUNNING, started_at__lte=now - RUNNING_STUCK_AFTER)
    ).values_list("pk", "source", "status")
    for import_id, source, status in stuck:
        starts = UsageImportEvent.objects.filter(usage_import_id=import_id, to_status=ImportStatus.RUNNING).count()
        if source == ImportSource.API or starts >= MAX_ATTEMPTS:
            reason = (
                _("The request that pushed these records was interrupted; push the batch again.")
                if source == ImportSource.API
                else _("The worker processing this import stopped %(n)d times; upload the file again.") % {"n": starts}
            )
            if _transition(import_id, "fail", note=reason, error=reason, finished_at=now) is not None:
                counts["failed"] += 1
            continue
        with transaction.atomic():
            if not UsageImport.objects.select_for_update(skip_locked=True).filter(pk=import_id, status=status):
                continue  # it moved on (or another sweep holds it)
            logger.warning("usage import %s lost its worker (%s); queued again", import_id, status)
            enqueue("allocations.usage.process_import", import_id=import_id)
            counts["requeued"] += 1
    return counts
