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


def test_a_second_seed_leaves_an_application_a_person_submitted_untouched(
    db, django_capture_on_commit_callbacks, tmp_path, settings
):
    from allocations.applications import services as application_services
    from allocations.models import ApplicationEvent
    from reviews.models import EligibilityCheck
    from tests.factories import (
        ApplicationFactory,
        CallFactory,
        MembershipFactory,
        OrganisationFactory,
        UserFactory,
        fill_application,
    )

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
        person = UserFactory(email="pia@real-lab.eu")
        organisation = OrganisationFactory(country="AT")
        MembershipFactory(organisation=organisation, user=person)
        call = CallFactory()  # any call: the old seeding walked every submitted application
        mine = fill_application(ApplicationFactory(call=call, organisation=organisation, created_by=person))
        application_services.application_submit(application_id=mine.pk, by=person, declaration=True)
        events = ApplicationEvent.objects.filter(application=mine).count()
        demo.seed(out)
    mine.refresh_from_db()
    assert mine.status == Status.SUBMITTED
    assert not EligibilityCheck.objects.filter(application=mine).exists()
    assert not ReviewAssignment.objects.filter(application=mine).exists()
    assert ApplicationEvent.objects.filter(application=mine).count() == events
