"""The review stage through its services: eligibility, conflicts and assignment, reviews, right to reply (the panel,
audit and reminders: test_panel_services.py)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import MembershipRole
from allocations.models import ApplicationEvent, ApplicationMember, Status
from reviews import selectors, services
from reviews.models import (
    AssignmentStatus,
    Review,
    ReviewAssignment,
    ReviewEvent,
    ReviewEventKind,
    ReviewStatus,
    RightToReply,
)
from tests.factories import CallFactory, MembershipFactory, UserFactory
from tests.factories.allocations import access_mode
from tests.factories.reviews import accepted_assignment, passed_check, submitted_application, submitted_review
from tests.reviews.conftest import queued_emails

CHECKS = {
    "country_eligible": True,
    "organisation_type_eligible": True,
    "request_within_bounds": True,
    "software_runs": True,
    "scaling_adequate": True,
}


def _kinds(application) -> list[str]:
    return list(ReviewEvent.objects.filter(application=application).values_list("kind", flat=True))


# --- Eligibility -------------------------------------------------------------------------------------------------


def test_ineligible_ends_the_application_and_emails_the_reason(submitted, carol, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        check = services.eligibility_check_record(
            application_id=submitted.pk,
            by=carol,
            **(CHECKS | {"software_runs": False}),
            reason="The code needs x86 CPUs only; the Gigafactory runs accelerators.",
        )
    submitted.refresh_from_db()
    assert (check.outcome, submitted.status) == ("ineligible", Status.INELIGIBLE)
    (email,) = queued_emails(callbacks)
    assert email["to"] == ["alice@aurora-ai.eu"]
    assert "did not pass the eligibility" in email["body"]
    assert "needs x86 CPUs only" in email["body"]
    assert ApplicationEvent.objects.filter(application=submitted).latest("id").action == "fail_check"
    assert _kinds(submitted) == [ReviewEventKind.CHECK]


def test_ineligible_needs_a_reason_and_a_call_manager(submitted, carol, bob, alice):
    with pytest.raises(ValidationError, match="Give the reason"):
        services.eligibility_check_record(
            application_id=submitted.pk, by=carol, **(CHECKS | {"country_eligible": False})
        )
    for user in (bob, alice):
        with pytest.raises(PermissionDenied):
            services.eligibility_check_record(application_id=submitted.pk, by=user, **CHECKS)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not ReviewEvent.objects.exists()


def test_eligible_goes_to_review_and_playground_straight_to_the_panel(submitted, carol, alice, alice_org):
    passed_check(submitted, by=carol)
    assert submitted.status == Status.IN_REVIEW
    playground = CallFactory(access_mode=access_mode("playground"))
    small = submitted_application(
        call=playground, organisation=alice_org, pi=alice, requested=1_000, minimum=500, duration_months=2
    )
    passed_check(small, by=carol)
    assert small.status == Status.PANEL
    assert ApplicationEvent.objects.filter(application=small).latest("id").action == "pass_check_to_panel"
    with pytest.raises(
        ValidationError,
        match=r"You cannot pass the eligibility check \(straight to the panel\) of an application that is panel",
    ):
        passed_check(small, by=carol)


# --- Conflicts and assignment ------------------------------------------------------------------------------------


def test_suggestion_skips_conflicted_reviewers_and_fills_the_places(in_review, alice_org, bob, dave, erin):
    # bob joins Aurora AI: conflicted. dave and erin remain; dave's expertise overlaps more.
    MembershipFactory(organisation=alice_org, user=bob, role=MembershipRole.MEMBER)
    suggestion = selectors.assignment_suggestion(call=in_review.call)
    assert [(s.application, s.reviewer) for s in suggestion] == [(in_review, dave), (in_review, erin)]
    assert suggestion[0].overlap == ["language", "llm"]


@pytest.mark.parametrize("tie", ["declared", "team", "pi", "affiliation"])
def test_every_kind_of_conflict_is_excluded(in_review, bob, dave, erin, alice_org, carol, tie):
    if tie == "declared":
        services.conflict_declare_organisation(organisation=alice_org, by=bob, reason="Former employer")
    elif tie == "team":
        ApplicationMember.objects.create(application=in_review, email=bob.email, user=bob)
    elif tie == "pi":
        MembershipFactory(organisation=alice_org, user=bob)
        type(in_review).objects.filter(pk=in_review.pk).update(pi=bob)
        in_review.refresh_from_db()
    else:
        bob.reviewer_profile.organisation = alice_org
        bob.reviewer_profile.save()
    assert bob not in [s.reviewer for s in selectors.assignment_suggestion(call=in_review.call)]
    with pytest.raises(ValidationError, match="conflict of interest"):
        services.assignments_create(pairs=[(in_review.pk, bob.pk)], by=carol)
    assert not ReviewAssignment.objects.exists()


def test_bulk_accept_is_all_or_nothing_and_respects_load(in_review, alice_org, alice, call, bob, dave, erin, carol):
    other = passed_check(submitted_application(call=call, organisation=alice_org, pi=alice), by=carol)
    bob.reviewer_profile.max_load_per_call = 1
    bob.reviewer_profile.save()
    erin.reviewer_profile.is_available = False  # not suggested (a manager may still assign her by hand)
    erin.reviewer_profile.save()
    created = services.suggestion_accept(call=call, by=carol)
    # bob takes one place only; dave takes the rest; the second application still lacks one reviewer.
    assert sorted((a.application_id, a.reviewer_id) for a in created) == sorted(
        [(in_review.pk, bob.pk), (in_review.pk, dave.pk), (other.pk, dave.pk)]
    )
    with pytest.raises(ValidationError, match="reached their maximum of 1"):
        services.assignments_create(pairs=[(other.pk, bob.pk)], by=carol)
    with pytest.raises(ValidationError, match="already has its 2 reviewers"):
        services.assignments_create(pairs=[(in_review.pk, erin.pk)], by=carol)
    with pytest.raises(ValidationError, match="already assigned"):
        services.assignments_create(pairs=[(other.pk, dave.pk), (other.pk, erin.pk)], by=carol)
    assert ReviewAssignment.objects.count() == 3  # erin's valid place above was not kept: all or nothing
    assert ReviewEvent.objects.filter(kind=ReviewEventKind.ASSIGNED).count() == 3


def test_each_assigned_reviewer_gets_one_email_per_batch_and_a_refused_batch_emails_nobody(
    in_review, alice_org, alice, call, bob, dave, erin, carol, django_capture_on_commit_callbacks
):
    other = passed_check(submitted_application(call=call, organisation=alice_org, pi=alice), by=carol)
    pairs = [(in_review.pk, bob.pk), (in_review.pk, dave.pk), (other.pk, dave.pk)]
    with django_capture_on_commit_callbacks() as callbacks:
        services.assignments_create(pairs=pairs, by=carol)
    emails = {e["to"][0]: e for e in queued_emails(callbacks)}
    assert sorted(emails) == sorted([bob.email, dave.email])
    assert emails[bob.email]["subject"] == f"Review request: {in_review.reference}"
    assert emails[dave.email]["subject"] == "2 review requests"
    for application in (in_review, other):
        assignment = ReviewAssignment.objects.get(reviewer=dave, application=application)
        assert application.reference in emails[dave.email]["body"]
        assert f"/staff/reviews/assignments/{assignment.pk}/" in emails[dave.email]["body"]
    assert "conflict of interest" in emails[bob.email]["body"]
    # erin's place is valid but the batch also asks for an already assigned reviewer: nothing, and no email
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError, match="already"):
        services.assignments_create(pairs=[(other.pk, erin.pk), (other.pk, dave.pk)], by=carol)
    assert queued_emails(callbacks) == []


def test_declared_conflict_returns_and_reassigns(in_review, bob, dave, erin, carol):
    services.assignments_create(pairs=[(in_review.pk, bob.pk), (in_review.pk, dave.pk)], by=carol)
    assignment = ReviewAssignment.objects.get(reviewer=bob)
    services.assignment_declare_conflict(assignment_id=assignment.pk, by=bob, reason="I co-authored with the PI")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFLICT
    replacement = ReviewAssignment.objects.get(application=in_review, status=AssignmentStatus.PENDING, reviewer=erin)
    assert replacement.assigned_by == carol
    # bob never sees the full application, and is never suggested for it again.
    with pytest.raises(type(in_review).DoesNotExist):
        selectors.application_for_reviewer(user=bob, assignment=assignment)
    assert selectors.assignment_suggestion(call=in_review.call) == []
    assert ReviewEventKind.DECLARED_CONFLICT in _kinds(in_review)


def test_accept_needs_the_no_conflict_declaration(in_review, bob, carol, dave):
    (assignment,) = services.assignments_create(pairs=[(in_review.pk, bob.pk)], by=carol)
    with pytest.raises(ValidationError, match="Declare that you have no conflict"):
        services.assignment_accept(assignment_id=assignment.pk, by=bob, no_conflict=False)
    with pytest.raises(PermissionDenied):
        services.assignment_accept(assignment_id=assignment.pk, by=dave, no_conflict=True)
    services.assignment_accept(assignment_id=assignment.pk, by=bob, no_conflict=True)
    assert _kinds(in_review)[-2:] == [ReviewEventKind.DECLARED_NO_CONFLICT, ReviewEventKind.ACCEPTED]
    assignment.refresh_from_db()
    assert selectors.application_for_reviewer(user=bob, assignment=assignment) == in_review
    with pytest.raises(ValidationError, match="already answered"):
        services.assignment_decline(assignment_id=assignment.pk, by=bob)


# --- Reviews -----------------------------------------------------------------------------------------------------


def test_review_draft_submit_lock_and_amend(in_review, bob, carol):
    assignment = accepted_assignment(in_review, bob, by=carol)
    excellence = in_review.call.criteria.get(name="Excellence")
    draft = services.review_save(
        assignment_id=assignment.pk, by=bob, scores={str(excellence.pk): 4}, comment_for_applicant="Good."
    )
    assert draft.status == ReviewStatus.DRAFT
    with pytest.raises(ValidationError, match="Missing: Technical readiness, Impact"):
        services.review_submit(review_id=draft.pk, by=bob)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        services.review_save(assignment_id=assignment.pk, by=bob, scores={str(excellence.pk): 6})
    review = submitted_review(assignment, [4, 3, 5])
    assert review.status == ReviewStatus.SUBMITTED
    with pytest.raises(ValidationError, match="submitted and is locked"):
        services.review_save(assignment_id=assignment.pk, by=bob, scores={})
    # The database refuses to change a submitted review, whatever the code path.
    with pytest.raises(DatabaseError, match="submitted review is locked"), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(comment_for_applicant="rewritten")
    amendment = services.review_amend(review_id=review.pk, by=bob, reason="Misread the scaling section")
    assert (amendment.version, amendment.status, amendment.amendment_reason) == (
        2,
        "draft",
        "Misread the scaling section",
    )
    services.review_save(
        assignment_id=assignment.pk,
        by=bob,
        scores={**amendment.scores, str(excellence.pk): 5},
        comment_for_applicant="Good; scaling is convincing.",
    )
    services.review_submit(review_id=amendment.pk, by=bob)
    assert list(Review.objects.filter(assignment=assignment).values_list("version", "status")) == [
        (1, "submitted"),
        (2, "submitted"),
    ]
    assert Review.objects.get(pk=review.pk).comment_for_applicant == "Solid plan."  # old version kept


def test_reviews_complete_open_the_right_to_reply(in_review, bob, dave, carol, django_capture_on_commit_callbacks):
    first = accepted_assignment(in_review, bob, by=carol)
    second = accepted_assignment(in_review, dave, by=carol)
    submitted_review(first, [4, 4, 4])
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW
    with django_capture_on_commit_callbacks() as callbacks:
        submitted_review(second, [2, 3, 5], comment="Scaling evidence is thin.")
    in_review.refresh_from_db()
    assert in_review.status == Status.RIGHT_TO_REPLY
    events = list(ApplicationEvent.objects.filter(application=in_review).order_by("id"))
    assert [(e.action, e.actor) for e in events[-2:]] == [("complete_reviews", None), ("open_reply", None)]
    (email,) = queued_emails(callbacks)
    assert email["to"] == ["alice@aurora-ai.eu"] and "you may reply" in email["subject"]
    window = RightToReply.objects.get(application=in_review)
    assert window.deadline - window.opened_at == dt.timedelta(days=services.REPLY_DAYS)
    anonymised = selectors.reviews_for_applicant(application=in_review)
    assert [r.label for r in anonymised] == ["Reviewer 1", "Reviewer 2"]
    assert anonymised[1].comment == "Scaling evidence is thin."
    assert all("Fund it." not in r.comment for r in anonymised)  # never the confidential comment


def test_reply_once_within_bounds_then_panel(in_review, bob, dave, carol, alice, alice_org):
    submitted_review(accepted_assignment(in_review, bob, by=carol), [4, 4, 4])
    submitted_review(accepted_assignment(in_review, dave, by=carol), [4, 4, 4])
    member = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member)
    with pytest.raises(PermissionDenied, match="Only the principal investigator"):
        services.reply_submit(application_id=in_review.pk, by=member, text="Thanks")
    with pytest.raises(ValidationError, match="at most 5,000 characters"):
        services.reply_submit(application_id=in_review.pk, by=alice, text="x" * 5001)
    services.reply_submit(application_id=in_review.pk, by=alice, text="x" * 5000)
    in_review.refresh_from_db()
    assert in_review.status == Status.PANEL
    assert ApplicationEvent.objects.filter(application=in_review).latest("id").actor == alice
    with pytest.raises(ValidationError, match="not open"):
        services.reply_submit(application_id=in_review.pk, by=alice, text="Again")


def test_reply_deadline_closes_the_window_once(in_review, bob, dave, carol, alice):
    submitted_review(accepted_assignment(in_review, bob, by=carol), [4, 4, 4])
    submitted_review(accepted_assignment(in_review, dave, by=carol), [4, 4, 4])
    later = timezone.now() + dt.timedelta(days=services.REPLY_DAYS, minutes=1)
    with pytest.raises(ValidationError, match="deadline to reply passed"):
        services.reply_submit(application_id=in_review.pk, by=alice, text="Late", now=later)
    assert services.reply_windows_close(now=later) == 1
    assert services.reply_windows_close(now=later) == 0
    in_review.refresh_from_db()
    assert in_review.status == Status.PANEL
