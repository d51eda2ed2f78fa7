"""Template helpers of the review stage: scores by criterion, the applicant's review box and the nav links."""

from django import template
from django.utils.translation import gettext_lazy as _

from portal import l10n
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


MATCH_REASONS = {
    "load": _("at their load limit"),
    "top_k": _("outside this application's best candidates"),
    "lower_affinity": _("matches less well than the reviewers chosen"),
    "fairness": _("left out to keep the weakest match of the call higher"),
    "pi": _("principal investigator"),
    "team_member": _("team member"),
    "organisation": _("member of, affiliated with or declared conflict with the applicant organisation"),
    "former_organisation": _("affiliated with the applicant organisation in the last three years"),
    "co_author": _("co-author of the principal investigator or a team member"),
    "supervisor": _("supervisor of the principal investigator or a team member"),
    "student": _("supervised by the principal investigator or a team member"),
    "family": _("family or close relationship with the principal investigator or a team member"),
    "excluded_by_applicant": _("excluded by the applicant"),
    "already": _("already on the application, or returned it"),
    "unavailable": _("unavailable"),
    "max_load": _("maximum load reached"),
}


@register.filter
def match_reason(code: str) -> str:
    """A matching reason or conflict type code in words (call managers only)."""
    return MATCH_REASONS.get(code, code)


@register.filter
def percent(affinity) -> str:
    """An affinity in [0, 1] as a whole percentage."""
    return "—" if affinity is None else l10n.percent(round(affinity * 100), 0)


@register.filter
def permyriad(affinity) -> str:
    """An affinity stored in ten-thousandths as a whole percentage."""
    return "—" if affinity is None else l10n.percent(round(affinity / 100), 0)
