"""Reviewer matching writes: the call's text affinities (computed by a Celery task, cached by content hash) and
the call's matching objective."""

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models import Call
from reviews import affinity as affinity_rules
from reviews import matching, selectors
from reviews.models import CallAffinity, CallMatchingSetting, MatchingObjective
from reviews.services._common import _require_call_manager


def affinities_compute(*, call_id: int, now=None) -> CallAffinity:
    """Compute and store the call's text affinities unless the stored ones were computed from the same texts.
    Idempotent: a second run with unchanged texts writes nothing."""
    call = Call.objects.get(pk=call_id)
    app_docs, reviewer_docs = selectors.affinity_documents(call=call)
    digest = affinity_rules.content_hash(app_docs, reviewer_docs)
    existing = CallAffinity.objects.filter(call=call, content_hash=digest).first()
    if existing is not None:
        return existing
    result = affinity_rules.compute(app_docs, reviewer_docs)
    scores = np.rint(result.scores * matching.SCALE).astype(np.uint16)
    with transaction.atomic():
        stored, _created = CallAffinity.objects.update_or_create(
            call=call,
            defaults={
                "content_hash": digest,
                "application_ids": list(result.application_ids),
                "reviewer_ids": list(result.reviewer_ids),
                "scores": scores.tobytes(),
                "terms": {f"{a}:{r}": list(t) for (a, r), t in result.terms.items()},
                "computed_at": now or timezone.now(),
            },
        )
    return stored


def affinities_request(*, call: Call, by: User) -> None:
    """A call manager asks for the call's affinities; the task runs after commit."""
    _require_call_manager(by)
    from reviews.tasks import compute_affinities

    transaction.on_commit(lambda: compute_affinities.delay(call.pk))


def matching_objective_set(*, call: Call, objective: str, by: User) -> CallMatchingSetting:
    """A call manager chooses how the call's suggestion is optimised; the row keeps who changed it last."""
    _require_call_manager(by)
    if objective not in MatchingObjective.values:
        raise ValidationError({"objective": _("Choose one of the matching objectives.")})
    with transaction.atomic():
        setting, _created = CallMatchingSetting.objects.update_or_create(
            call=call, defaults={"objective": objective, "updated_by": by}
        )
    return setting
