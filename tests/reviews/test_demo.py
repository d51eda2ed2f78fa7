"""reviews/demo.py: idempotent, and it skips what is missing."""

import io

from accounts import demo as accounts_demo
from allocations import demo as allocations_demo
from allocations.models import Application, Status
from reviews import demo
from reviews.models import AssignmentStatus, ReviewAssignment, ReviewerProfile, ReviewStatus


def test_demo_seed_after_accounts_and_allocations_is_idempotent(
    db, django_capture_on_commit_callbacks, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    out = io.StringIO()
    with django_capture_on_commit_callbacks():
        accounts_demo.seed(out)
        allocations_demo.seed(out)
        demo.seed(out)
        counts = (ReviewerProfile.objects.count(), ReviewAssignment.objects.count(), Application.objects.count())
        demo.seed(out)
    assert (ReviewerProfile.objects.count(), ReviewAssignment.objects.count(), Application.objects.count()) == counts
    assert counts[0] == 4
    bob = ReviewerProfile.objects.get(user__email=demo.BOB)
    assert bob.organisation.legal_name == "Universidade do Tejo"
    # The Playground application went straight to the panel; the Large Scale one has two reviewers, one review in.
    assert Application.objects.filter(call__access_mode__code="playground", status=Status.PANEL).exists()
    large = Application.objects.get(call__access_mode__code="large-scale", status=Status.IN_REVIEW)
    assignments = ReviewAssignment.objects.filter(application=large)
    assert assignments.count() == 2
    assert assignments.filter(status=AssignmentStatus.COMPLETED, reviews__status=ReviewStatus.SUBMITTED).count() == 1
    assert assignments.filter(reviewer__email=demo.BOB, status=AssignmentStatus.PENDING).exists()


def test_demo_seed_skips_without_carol(db):
    out = io.StringIO()
    demo.seed(out)
    assert ReviewerProfile.objects.count() == 4
    assert "carol missing" in out.getvalue()
