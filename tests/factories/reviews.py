"""Factories and helpers for the review stage: reviewers with profiles, and applications walked to a status
through the real services (so every event row exists as in production)."""

import factory

from accounts.roles import PlatformRole
from allocations.applications import services as application_services
from allocations.models import AIDomain, Application
from reviews import services
from reviews.models import ReviewAssignment, ReviewerProfile
from tests.factories.accounts import UserFactory, ensure_platform_groups
from tests.factories.allocations import ApplicationFactory, fill_application


class ReviewerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewerProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    expertise = factory.LazyFunction(lambda: [AIDomain.LANGUAGE])
    keywords = factory.LazyFunction(lambda: ["LLM"])
    max_load_per_call = 5
    is_available = True


def reviewer(email: str | None = None, **profile) -> "UserFactory":
    """A user with the reviewer role and a profile."""
    ensure_platform_groups()
    kwargs = {"email": email} if email else {}
    user = UserFactory(roles=[PlatformRole.REVIEWER], **kwargs)
    ReviewerProfileFactory(user=user, **profile)
    return user


def submitted_application(*, call, organisation, pi, requested=100_000, minimum=60_000, **fields) -> Application:
    """A complete application submitted by ``pi``; ``fields`` override answers (e.g. ``duration_months``)."""
    application = ApplicationFactory(call=call, organisation=organisation, created_by=pi)
    fill_application(application, requested=requested, minimum=minimum)
    if fields:
        Application.objects.filter(pk=application.pk).update(**fields)
    application_services.application_submit(application_id=application.pk, by=pi, declaration=True)
    application.refresh_from_db()
    return application


def passed_check(application: Application, *, by) -> Application:
    services.eligibility_check_record(
        application_id=application.pk,
        by=by,
        country_eligible=True,
        organisation_type_eligible=True,
        request_within_bounds=True,
        software_runs=True,
        scaling_adequate=True,
    )
    application.refresh_from_db()
    return application


def accepted_assignment(application: Application, reviewer_user, *, by) -> ReviewAssignment:
    (assignment,) = services.assignments_create(pairs=[(application.pk, reviewer_user.pk)], by=by)
    services.assignment_accept(assignment_id=assignment.pk, by=reviewer_user, no_conflict=True)
    assignment.refresh_from_db()
    return assignment


def submitted_review(assignment: ReviewAssignment, scores: list[int], *, comment="Solid plan.", panel="Fund it."):
    criteria = list(assignment.application.call.criteria.order_by("position", "id"))
    review = services.review_save(
        assignment_id=assignment.pk,
        by=assignment.reviewer,
        scores={str(c.pk): s for c, s in zip(criteria, scores, strict=True)},
        comment_for_applicant=comment,
        comment_for_panel=panel,
    )
    return services.review_submit(review_id=review.pk, by=assignment.reviewer)
