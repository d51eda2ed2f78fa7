"""Reviewer matching writes: the call's text affinities (computed by a Celery task, cached by content hash), the
call's matching objective, and what reviewers declare for the conflict checks (publications, affiliations,
relationships)."""

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models import Call
from portal import outbox
from reviews import affinity as affinity_rules
from reviews import matching, selectors
from reviews.models import (
    Affiliation,
    CallAffinity,
    CallMatchingSetting,
    DeclaredRelationship,
    MatchingObjective,
    Publication,
    RelationshipKind,
)
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
    """A call manager asks for the call's affinities; the task is published after commit (outbox)."""
    _require_call_manager(by)
    with transaction.atomic():
        outbox.enqueue("reviews.matching.compute_affinities", call_id=call.pk)


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


# --- What the reviewer declares for conflict checks --------------------------------------------------------------

MAX_PUBLICATIONS = 50


def publications_replace(*, user: User, by: User, entries: list[tuple[str, str]]) -> list[Publication]:
    """A user's publication list (title, DOI) replaced as a whole; the co-authorship check compares them."""
    if by.pk != user.pk:
        raise PermissionDenied(_("You can only change your own publications."))
    cleaned = [(title.strip()[:500], doi.strip()[:200]) for title, doi in entries if title.strip()]
    if len(cleaned) > MAX_PUBLICATIONS:
        raise ValidationError({"publications": _("List at most %(n)d publications.") % {"n": MAX_PUBLICATIONS}})
    with transaction.atomic():
        Publication.objects.filter(user=user).delete()
        return Publication.objects.bulk_create(Publication(user=user, title=t, doi=d) for t, d in cleaned)


def affiliation_add(*, by: User, organisation, started_on=None, ended_on=None) -> Affiliation:
    """A reviewer records a present or past affiliation (an ended one conflicts for three years)."""
    if not selectors.is_reviewer(by):
        raise PermissionDenied(_("Only reviewers declare conflicts of interest."))
    if started_on and ended_on and ended_on < started_on:
        raise ValidationError({"ended_on": _("The end comes after the start.")})
    with transaction.atomic():
        return Affiliation.objects.create(user=by, organisation=organisation, started_on=started_on, ended_on=ended_on)


def relationship_declare(*, by: User, person_email: str, kind: str) -> DeclaredRelationship:
    """A reviewer declares a supervisor/student or family relationship with a registered person."""
    if not selectors.is_reviewer(by):
        raise PermissionDenied(_("Only reviewers declare conflicts of interest."))
    if kind not in RelationshipKind.values:
        raise ValidationError({"kind": _("Choose a kind of relationship.")})
    person = User.objects.filter(email__iexact=person_email.strip()).first()
    if person is None:
        raise ValidationError({"email": _("Nobody with this e-mail address is registered.")})
    if person.pk == by.pk:
        raise ValidationError({"email": _("Give someone else's e-mail address.")})
    with transaction.atomic():
        relationship, _created = DeclaredRelationship.objects.update_or_create(
            reviewer=by, person=person, defaults={"kind": kind}
        )
    return relationship
