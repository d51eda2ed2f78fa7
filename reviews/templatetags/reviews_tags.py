"""Template helpers of the review stage: scores by criterion, the applicant's review box and the nav links."""

from django import template

from reviews import selectors

register = template.Library()


@register.filter
def score_for(review, criterion):
    """The score ``review`` gave ``criterion`` (scores are stored by criterion id)."""
    if review is None:
        return None
    return (review.scores or {}).get(str(criterion.pk))


@register.inclusion_tag("reviews/partials/applicant_status.html")
def applicant_review_status(application):
    """Review progress (counts only, never names) and the link to the reviews / right to reply."""
    return {"application": application, "progress": selectors.review_progress(application=application)}


@register.filter
def is_reviewer(user) -> bool:
    return selectors.is_reviewer(user)


@register.filter
def is_call_manager(user) -> bool:
    return selectors.is_call_manager(user)
