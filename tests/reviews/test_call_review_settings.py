"""A call's own review settings drive the review stage: its number of reviewers per application (instead of the
access mode's) and its reply window."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from allocations.models import Status
from reviews import selectors, services
from reviews.models import RightToReply
from tests.factories.reviews import accepted_assignment, submitted_review


def test_one_reviewer_per_application_completes_after_one_review(in_review, bob, dave, carol):
    in_review.call.reviewers_per_application = 1
    in_review.call.save(update_fields=["reviewers_per_application"])
    assignment = accepted_assignment(in_review, bob, by=carol)
    with pytest.raises(ValidationError, match="already has its 1 reviewers"):
        services.assignments_create(pairs=[(in_review.pk, dave.pk)], by=carol)
    assert selectors.review_progress(application=in_review)["required"] == 1
    submitted_review(assignment, [4, 4, 4])
    in_review.refresh_from_db()
    assert in_review.status == Status.RIGHT_TO_REPLY


def test_three_reviewers_per_application_wait_for_the_third(in_review, bob, dave, erin, carol):
    in_review.call.reviewers_per_application = 3
    in_review.call.save(update_fields=["reviewers_per_application"])
    for reviewer in (bob, dave):
        submitted_review(accepted_assignment(in_review, reviewer, by=carol), [4, 4, 4])
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW  # the access mode's 2 would have completed it
    submitted_review(accepted_assignment(in_review, erin, by=carol), [3, 3, 3])
    in_review.refresh_from_db()
    assert in_review.status == Status.RIGHT_TO_REPLY


def test_the_reply_window_is_the_calls(in_review, bob, dave, carol):
    in_review.call.reply_window_days = 14
    in_review.call.save(update_fields=["reply_window_days"])
    submitted_review(accepted_assignment(in_review, bob, by=carol), [4, 4, 4])
    submitted_review(accepted_assignment(in_review, dave, by=carol), [4, 4, 4])
    window = RightToReply.objects.get(application=in_review)
    assert window.deadline - window.opened_at == dt.timedelta(days=14)
