"""Reads for conflicts of interest: the facts about reviewers and applications that the pure rules of
``reviews.assignment`` judge, for the suggestion and for assigning by hand alike (one source, so both agree).

For call managers only (the views check the role): conflict types are never shown to applicants.
"""

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership, User
from allocations.models import Application, ApplicationMember, Call
from allocations.models.reports import Publication as ReportPublication
from reviews import assignment as assignment_rules
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    Affiliation,
    DeclaredConflict,
    DeclaredRelationship,
    Publication,
    ReviewAssignment,
)

ALREADY = "already"  # on the application now, or returned it: never suggested again


def reviewer_pool() -> list[User]:
    """Users with the reviewer role, with their profiles."""
    from accounts.roles import PlatformRole

    return list(
        User.objects.filter(groups__name=PlatformRole.REVIEWER, is_active=True)
        .select_related("reviewer_profile")
        .order_by("pk")
        .distinct()
    )


def _publications(user_ids) -> dict[int, list[tuple[str, str]]]:
    """(title, DOI) of each user's publications: those of their reviewer profile, and those of the final reports
    (draft or submitted) of the projects they led or were in the team of. Three queries."""
    user_ids = set(user_ids)
    result: dict[int, list[tuple[str, str]]] = {}
    for user_id, title, doi in Publication.objects.filter(user_id__in=user_ids).values_list("user_id", "title", "doi"):
        result.setdefault(user_id, []).append((title, doi))
    authors = (
        ApplicationMember.objects.filter(user_id__in=user_ids, application__award__final_report__isnull=False)
        .values_list("application_id", "user_id")
        .union(
            Application.objects.filter(pi_id__in=user_ids, award__final_report__isnull=False).values_list("pk", "pi_id")
        )
        .order_by()
    )
    people: dict[int, set[int]] = {}
    for application_id, user_id in authors:
        people.setdefault(application_id, set()).add(user_id)
    reported = ReportPublication.objects.filter(report__award__application_id__in=list(people)).values_list(
        "report__award__application_id", "title", "doi"
    )
    for application_id, title, doi in reported if people else ():
        for user_id in sorted(people[application_id]):
            result.setdefault(user_id, []).append((title, doi))
    return result


def facts_of_reviewers(call: Call, reviewers: list[User], *, today: dt.date | None = None):
    """``assignment.ReviewerFacts`` of ``reviewers`` in ``call`` (their load there), in the same order."""
    today = today or timezone.localdate()
    ids = [r.pk for r in reviewers]
    organisations: dict[int, set[int]] = {pk: set() for pk in ids}
    for user_id, org_id in Membership.objects.filter(user_id__in=ids).values_list("user_id", "organisation_id"):
        organisations[user_id].add(org_id)
    for user_id, org_id in DeclaredConflict.objects.filter(reviewer_id__in=ids).values_list(
        "reviewer_id", "organisation_id"
    ):
        organisations[user_id].add(org_id)
    affiliations: dict[int, list] = {pk: [] for pk in ids}
    for user_id, org_id, ended_on in Affiliation.objects.filter(user_id__in=ids).values_list(
        "user_id", "organisation_id", "ended_on"
    ):
        affiliations[user_id].append((org_id, ended_on))
    relationships: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for reviewer_id, person_id, kind in DeclaredRelationship.objects.filter(reviewer_id__in=ids).values_list(
        "reviewer_id", "person_id", "kind"
    ):
        relationships[reviewer_id][person_id] = kind
    publications = _publications(ids)
    loads = dict(
        ReviewAssignment.objects.filter(reviewer_id__in=ids, application__call=call, status__in=ACTIVE_ASSIGNMENT)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    facts = []
    for reviewer in reviewers:
        profile = getattr(reviewer, "reviewer_profile", None)
        if profile is not None and profile.organisation_id:
            organisations[reviewer.pk].add(profile.organisation_id)
        facts.append(
            assignment_rules.ReviewerFacts(
                id=reviewer.pk,
                expertise=assignment_rules.topics(profile.expertise, profile.keywords) if profile else frozenset(),
                organisation_ids=frozenset(organisations[reviewer.pk]),
                load=loads.get(reviewer.pk, 0),
                max_load=profile.max_load_per_call if profile else 0,
                available=bool(profile and profile.is_available),
                former_organisation_ids=assignment_rules.recent_organisations(affiliations[reviewer.pk], today=today),
                publication_keys=assignment_rules.publication_keys(publications.get(reviewer.pk, [])),
                relationships=relationships[reviewer.pk],
                email=reviewer.email or "",
            )
        )
    return facts


def facts_of_applications(applications: list[Application]):
    """``assignment.ApplicationFacts`` of ``applications``, in the same order."""
    ids = [a.pk for a in applications]
    team: dict[int, set[int]] = {pk: set() for pk in ids}
    for app_id, user_id in ApplicationMember.objects.filter(application_id__in=ids, user__isnull=False).values_list(
        "application_id", "user_id"
    ):
        team[app_id].add(user_id)
    excluded: dict[int, set[int]] = {pk: set() for pk in ids}
    active: dict[int, int] = dict.fromkeys(ids, 0)
    for app_id, reviewer_id, status in ReviewAssignment.objects.filter(application_id__in=ids).values_list(
        "application_id", "reviewer_id", "status"
    ):
        excluded[app_id].add(reviewer_id)  # on it now, or returned it: never again
        if status in ACTIVE_ASSIGNMENT:
            active[app_id] += 1
    authors = set().union(*team.values()) | {a.pi_id for a in applications if a.pi_id}
    publications = _publications(authors)

    def team_keys(a: Application) -> frozenset[str]:
        people = team[a.pk] | ({a.pi_id} if a.pi_id else set())
        return assignment_rules.publication_keys(p for person in people for p in publications.get(person, []))

    return [
        assignment_rules.ApplicationFacts(
            id=a.pk,
            organisation_id=a.organisation_id,
            topics=assignment_rules.topics([a.ai_domain] if a.ai_domain else [], a.keywords or []),
            needed=max(a.call.reviewers_needed - active[a.pk], 0),
            pi_id=a.pi_id,
            team_user_ids=frozenset(team[a.pk]),
            excluded_reviewer_ids=frozenset(excluded[a.pk]),
            team_publication_keys=team_keys(a),
            excluded_emails=frozenset(e.lower() for e in a.excluded_reviewers or []),
            suggested_emails=frozenset(e.lower() for e in a.suggested_reviewers or []),
        )
        for a in applications
    ]


def conflict_reason(*, reviewer: User, application: Application) -> str | None:
    """Why ``reviewer`` may not review ``application`` (a code of ``assignment.CONFLICT_TYPES``), or ``None``."""
    facts = facts_of_reviewers(application.call, [reviewer])[0]
    app_facts = facts_of_applications([application])[0]
    return assignment_rules.conflict_reason(facts, app_facts)


def assignable_reviewers(*, application: Application) -> list[tuple[User, str | None, int, int]]:
    """For assigning by hand: each reviewer with the reason they cannot take it (or None), load and max load."""
    reviewers = reviewer_pool()
    facts = facts_of_reviewers(application.call, reviewers)
    app_facts = facts_of_applications([application])[0]
    result = []
    for reviewer, f in zip(reviewers, facts, strict=True):
        reason = assignment_rules.conflict_reason(f, app_facts)
        if reason is None and reviewer.pk in app_facts.excluded_reviewer_ids:
            reason = ALREADY
        elif reason is None and not f.available:
            reason = "unavailable"
        elif reason is None and f.load >= f.max_load:
            reason = "max_load"
        result.append((reviewer, reason, f.load, f.max_load))
    return result


def reviewer_declarations(*, user: User):
    """The reviewer's own publications, affiliations and relationships (only they see them)."""
    return {
        "publications": list(Publication.objects.filter(user=user)),
        "affiliations": list(Affiliation.objects.filter(user=user).select_related("organisation")),
        "relationships": list(DeclaredRelationship.objects.filter(reviewer=user).select_related("person")),
    }
