"""The review stage through its services: eligibility, conflicts and assignment, reviews, right to reply, panel."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import MembershipRole
from allocations.models import ApplicationEvent, ApplicationMember, Status
from reviews import selectors, services
from reviews.models import (
    AssignmentStatus,
    DeclaredConflict,
    PanelDecision,
    Review,
    ReviewAssignment,
    ReviewEvent,
    ReviewEventKind,
    ReviewReminder,
    ReviewStatus,
    RightToReply,
)
from tests.factories import CallFactory, MembershipFactory, OrganisationFactory, UserFactory
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


# --- Panel -------------------------------------------------------------------------------------------------------


@pytest.fixture
def panel_call(call, alice, alice_org, bob, dave, carol):
    """Three applications in the panel: A and B tie on weighted score, B has the higher minimum; C scores lowest
    and its reviewers disagree by 2 on Impact."""
    result = {}
    for name, scores in (("A", ([5, 2, 4], [5, 2, 4])), ("B", ([4, 4, 4], [5, 3, 4])), ("C", ([3, 3, 2], [3, 3, 4]))):
        organisation = OrganisationFactory(legal_name=f"Org {name}", country="DE")
        pi = UserFactory(email=f"pi-{name.lower()}@example.eu")
        MembershipFactory(organisation=organisation, user=pi, role=MembershipRole.OWNER)
        application = passed_check(submitted_application(call=call, organisation=organisation, pi=pi), by=carol)
        for reviewer_user, review_scores in zip((bob, dave), scores, strict=True):
            submitted_review(accepted_assignment(application, reviewer_user, by=carol), review_scores)
        services.reply_submit(application_id=application.pk, by=pi, text=f"Reply of {name}")
        result[name] = application
    return result


def test_panel_ranks_with_tie_break_threshold_and_spread(call, panel_call):
    panel = selectors.panel(call=call)
    ranked = [row.application for row in panel.rows]
    a, b, c = panel_call["A"], panel_call["B"], panel_call["C"]
    # Weights 2/1/1: A = (10+2+4)/4 = 4.00 twice; B = (8+4+4)/4 = 4.00 and (10+3+4)/4 = 4.25 -> 4.125.
    assert ranked == [b, a, c]
    assert [row.weighted_text for row in panel.rows] == ["4.13", "4.00", "3.00"]
    assert [row.summary.meets_threshold for row in panel.rows] == [True, False, True]  # A: technical readiness 2
    assert [row.flagged for row in panel.rows] == [False, False, True]


def test_panel_tie_break_by_minimum_then_submission(call, panel_call, bob, dave, carol):
    # Make B equal to A on weighted score; B's minimum (3) beats A's (2) though A was submitted first.
    panel = selectors.panel(call=call)
    rows = {row.application.pk: row for row in panel.rows}
    assert rows[panel_call["A"].pk].minimum_text == "2.00"
    assert rows[panel_call["B"].pk].minimum_text == "3.50"


def test_rank_move_needs_a_justification_and_is_recorded(call, panel_call, carol, bob):
    c = panel_call["C"]
    with pytest.raises(ValidationError, match="Write why"):
        services.rank_move(application_id=c.pk, position=1, justification=" ", by=carol)
    with pytest.raises(PermissionDenied):
        services.rank_move(application_id=c.pk, position=1, justification="Strategic", by=bob)
    services.rank_move(application_id=c.pk, position=1, justification="Unique Estonian corpus", by=carol)
    assert selectors.panel(call=call).rows[0].application == c
    event = ReviewEvent.objects.filter(kind=ReviewEventKind.RANK_MOVE).get()
    assert event.detail == {"from_position": 3, "to_position": 1, "justification": "Unique Estonian corpus"}


def test_decisions_one_by_one_and_in_bulk(call, panel_call, carol, django_capture_on_commit_callbacks):
    a, b, c = panel_call["A"], panel_call["B"], panel_call["C"]
    with django_capture_on_commit_callbacks() as callbacks:
        decision = services.application_decide(
            application_id=b.pk, decision="approved", justification="Top ranked", by=carol
        )
    assert (decision.rank, decision.decision) == (1, "approved")
    (email,) = queued_emails(callbacks)
    assert email["to"] == ["pi-b@example.eu"] and email["subject"].endswith(": approved")
    with pytest.raises(ValidationError, match="justification"):
        services.applications_decide(application_ids=[a.pk, c.pk], decision="waitlisted", justification="", by=carol)
    with pytest.raises(services.DecisionConflict):
        # All or nothing: b is already decided, so a stays in the panel too.
        services.applications_decide(application_ids=[a.pk, b.pk], decision="rejected", justification="x", by=carol)
    a.refresh_from_db()
    assert a.status == Status.PANEL
    services.applications_decide(application_ids=[a.pk, c.pk], decision="waitlisted", justification="Pool", by=carol)
    assert dict(PanelDecision.objects.values_list("application_id", "decision")) == {
        b.pk: "approved",
        a.pk: "waitlisted",
        c.pk: "waitlisted",
    }


# --- Audit and reminders ----------------------------------------------------------------------------------------


def test_review_events_refuse_update_and_delete_in_raw_sql(submitted, carol):
    passed_check(submitted, by=carol)
    event_id = ReviewEvent.objects.get(application=submitted).pk
    for sql in (
        "UPDATE reviews_reviewevent SET kind = 'decision' WHERE id = %s",
        "DELETE FROM reviews_reviewevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event_id])
    assert ReviewEvent.objects.get(pk=event_id).kind == ReviewEventKind.CHECK


def test_reminders_go_out_once_each(in_review, bob, dave, carol, django_capture_on_commit_callbacks):
    due = timezone.localdate() + dt.timedelta(days=10)
    services.assignments_create(pairs=[(in_review.pk, bob.pk), (in_review.pk, dave.pk)], by=carol, due_on=due)
    assert services.review_reminders_send(today=due - dt.timedelta(days=4)) == 0
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.review_reminders_send(today=due - dt.timedelta(days=3)) == 2
        assert services.review_reminders_send(today=due - dt.timedelta(days=2)) == 0
    assert sorted(e["to"][0] for e in queued_emails(callbacks)) == ["bob@uni-lisboa.pt", "dave@tu-delft.nl"]
    assert "due on" in queued_emails(callbacks)[0]["subject"]
    # bob submits in time; dave is late: one overdue reminder, once.
    submitted_review(accepted_assignment_for(bob), [4, 4, 4])
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.review_reminders_send(today=due + dt.timedelta(days=1)) == 1
        assert services.review_reminders_send(today=due + dt.timedelta(days=2)) == 0
    (email,) = queued_emails(callbacks)
    assert email["to"] == ["dave@tu-delft.nl"] and "overdue" in email["subject"]
    assert ReviewReminder.objects.count() == 3


def accepted_assignment_for(user) -> ReviewAssignment:
    assignment = ReviewAssignment.objects.get(reviewer=user)
    services.assignment_accept(assignment_id=assignment.pk, by=user, no_conflict=True)
    assignment.refresh_from_db()
    return assignment


def test_standing_conflicts_are_reviewer_only(alice, alice_org, bob):
    with pytest.raises(PermissionDenied):
        services.conflict_declare_organisation(organisation=alice_org, by=alice)
    services.conflict_declare_organisation(organisation=alice_org, by=bob)
    services.conflict_declare_organisation(organisation=alice_org, by=bob)
    assert DeclaredConflict.objects.filter(reviewer=bob).count() == 1
