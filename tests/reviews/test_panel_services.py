"""The review stage through its services, continued: the panel's ranking and decisions, the audit trail and the
reminders."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import MembershipRole
from allocations.models import Status
from reviews import selectors, services
from reviews.models import (
    DeclaredConflict,
    PanelDecision,
    ReviewAssignment,
    ReviewEvent,
    ReviewEventKind,
    ReviewReminder,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.reviews import accepted_assignment, passed_check, submitted_application, submitted_review
from tests.reviews.conftest import queued_emails

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
