"""What waits for a person in the review stage: a reviewer's assignments, the PI's reply, the call managers' checks
and panels. Each read is a queryset the home page slices and counts (two queries per queue)."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.models import Application, Call
from reviews.models import AssignmentStatus, ReviewAssignment, RightToReply


def assignments_to_answer(*, user: User) -> QuerySet[ReviewAssignment]:
    """``user``'s assignments still waiting for their accept, decline or conflict declaration, soonest due first."""
    return (
        ReviewAssignment.objects.filter(reviewer=user, status=AssignmentStatus.PENDING)
        .select_related("application")
        .order_by("due_on", "id")
    )


def reviews_due(*, user: User) -> QuerySet[ReviewAssignment]:
    """Accepted assignments of ``user`` whose review is not submitted yet, soonest due first."""
    return (
        ReviewAssignment.objects.filter(reviewer=user, status=AssignmentStatus.ACCEPTED)
        .select_related("application")
        .order_by("due_on", "id")
    )


def replies_due(*, user: User, now) -> QuerySet[RightToReply]:
    """Open rights to reply of applications whose principal investigator is ``user`` (only the PI replies)."""
    return (
        RightToReply.objects.filter(
            application__pi=user,
            application__status=Status.RIGHT_TO_REPLY,
            replied_at__isnull=True,
            closed_at__isnull=True,
            deadline__gt=now,
        )
        .select_related("application")
        .order_by("deadline", "id")
    )


def applications_to_check() -> QuerySet[Application]:
    """Submitted applications waiting for their eligibility check, first submitted first."""
    return (
        Application.objects.filter(status__in=(Status.SUBMITTED, Status.ELIGIBILITY_CHECK))
        .select_related("call", "organisation")
        .order_by("submitted_at", "id")
    )


def panels_to_decide() -> QuerySet[Call]:
    """Calls with applications at the panel stage, each with ``to_decide`` (how many), the fullest first."""
    return (
        Call.objects.annotate(to_decide=Count("applications", filter=Q(applications__status=Status.PANEL)))
        .filter(to_decide__gt=0)
        .order_by("-to_decide", "title")
    )
