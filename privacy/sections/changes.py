"""Change requests on the grants of the person's applications, or that they asked for, consented to or are named in;
decisions appear with their reason, the staff who decided by part only."""

from django.db.models import Q

from accounts.models import User
from allocations.models import ChangeRequest, ChangeRequestEvent
from privacy.sections.common import Rows, actor_part, my_applications, team_of

# The requests' applications' teams, so that the PI and members read as the team and anyone else as staff.
TEAM = ("grant__application__members", "grant__application__grant_members")


def _requests(user: User):
    return ChangeRequest.objects.filter(
        Q(grant__application__in=my_applications(user)) | Q(requested_by=user) | Q(person=user) | Q(consent_by=user)
    ).distinct()


def change_request_rows(user: User) -> Rows:
    requests = _requests(user).select_related("grant__application").prefetch_related(*TEAM).order_by("pk")
    rows = []
    for r in requests:
        team = team_of(r.grant.application)
        rows.append(
            {
                "id": r.pk,
                "application": r.grant.application.reference,
                "kind": r.get_kind_display(),
                "status": r.get_status_display(),
                "requested_by": actor_part(r.requested_by_id, user=user, team=team),
                "justification": r.justification if r.requested_by_id == user.pk else "",
                "about_you": r.person_id == user.pk,
                "created_at": r.created_at,
                "consent_by": actor_part(r.consent_by_id, user=user, team=team) if r.consent_by_id else "",
                "decided_at": r.decided_at,
                "decision_reason": r.decision_reason,
            }
        )
    return rows


def change_request_event_rows(user: User) -> Rows:
    events = ChangeRequestEvent.objects.filter(Q(request__in=_requests(user)) | Q(actor=user))
    events = events.select_related("request__grant__application").prefetch_related(
        *(f"request__{path}" for path in TEAM)
    )
    return [
        {
            "change_request": e.request_id,
            "action": e.get_action_display(),
            "from": e.get_from_status_display(),
            "to": e.get_to_status_display(),
            "by": actor_part(e.actor_id, user=user, team=team_of(e.request.grant.application)),
            "comment": e.comment if e.actor_id == user.pk else "",
            "at": e.created_at,
        }
        for e in events.order_by("created_at", "pk")
    ]
