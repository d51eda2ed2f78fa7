"""Reviewing: assignments, the reviews the person wrote, their steps, profile and declarations."""

from accounts.models import User
from privacy.sections.common import Rows
from reviews.models import (
    Affiliation,
    DeclaredConflict,
    DeclaredRelationship,
    Publication,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewEvent,
)


def assignment_rows(user: User) -> Rows:
    assignments = ReviewAssignment.objects.filter(reviewer=user).select_related("application").order_by("pk")
    return [
        {
            "id": a.pk,
            "application": a.application.reference,
            "title": a.application.title,
            "status": a.get_status_display(),
            "due_on": a.due_on,
            "assigned_at": a.created_at,
            "answered_at": a.responded_at,
            "completed_at": a.completed_at,
            "why_you_were_suggested": a.match_terms,
        }
        for a in assignments
    ]


def review_rows(user: User) -> Rows:
    """The reviews the person wrote; never the other reviewers of the same application."""
    reviews = Review.objects.filter(assignment__reviewer=user).select_related("assignment__application")
    return [
        {
            "assignment": r.assignment_id,
            "application": r.assignment.application.reference,
            "version": r.version,
            "status": r.get_status_display(),
            "scores": r.scores,
            "comment_for_applicant": r.comment_for_applicant,
            "comment_for_panel": r.comment_for_panel,
            "amendment_reason": r.amendment_reason,
            "submitted_at": r.submitted_at,
        }
        for r in reviews.order_by("pk")
    ]


def review_event_rows(user: User) -> Rows:
    events = ReviewEvent.objects.filter(actor=user).select_related("application").order_by("created_at", "pk")
    return [{"application": e.application.reference, "what": e.get_kind_display(), "at": e.created_at} for e in events]


def reviewer_profile_rows(user: User) -> Rows:
    fields = ("expertise", "keywords", "organisation__legal_name", "max_load_per_call", "is_available")
    return list(ReviewerProfile.objects.filter(user=user).values(*fields, "research_interests", "updated_at"))


def publication_rows(user: User) -> Rows:
    return list(Publication.objects.filter(user=user).order_by("pk").values("title", "doi", "year", "created_at"))


def affiliation_rows(user: User) -> Rows:
    rows = Affiliation.objects.filter(user=user).order_by("pk")
    return list(rows.values("organisation__legal_name", "started_on", "ended_on"))


def conflict_rows(user: User) -> Rows:
    rows = DeclaredConflict.objects.filter(reviewer=user).order_by("pk")
    return list(rows.values("organisation__legal_name", "reason", "created_at"))


def relationship_rows(user: User) -> Rows:
    rows = DeclaredRelationship.objects.filter(reviewer=user).select_related("person").order_by("pk")
    return [{"person": r.person.display_name, "relationship": r.get_kind_display(), "at": r.created_at} for r in rows]
