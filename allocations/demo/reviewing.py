"""The review stage of a demo round through the review services: carol's checks, reviewers' assignments and
reviews, the PIs' replies and the panel's decisions, each dated when it happened."""

import random

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.models import Application, RubricCriterion
from reviews import selectors, services
from reviews.models import ReviewAssignment, ReviewerProfile

INELIGIBLE = "The organisation is registered outside the EU and the Horizon Europe associated countries."
COMMENTS = [
    "A credible plan with a clear open-weights commitment; the impact section could quantify the users.",
    "Scaling evidence is convincing up to 512 GPUs; the jump to the requested size needs more justification.",
    "Strong team and data pipeline. The evaluation plan is thin for a project of this size.",
    "Ambitious and relevant for European AI; the risk mitigation should be more concrete.",
]
REPLY = "We thank the reviewers. We add a scaling run at 1,024 GPUs to the annex and a user survey to the impact plan."


def check(application: Application, *, by: User, now, eligible: bool = True) -> None:
    ok = bool(eligible)
    services.eligibility_check_record(
        application_id=application.pk,
        by=by,
        country_eligible=True,
        organisation_type_eligible=True,
        request_within_bounds=True,
        software_runs=ok,
        scaling_adequate=ok,
        reason="" if ok else "The software stack did not run in the technical check; scaling evidence is missing.",
        now=now,
    )


def reviewers() -> list[User]:
    return [p.user for p in ReviewerProfile.objects.select_related("user").order_by("user__email")]


def assign(applications: list[Application], *, by: User, pool: list[User], now) -> dict[int, list[ReviewAssignment]]:
    """Two reviewers per application, turn by turn, skipping conflicts and full loads."""
    load = {r.pk: 0 for r in pool}
    limits = {p.user_id: p.max_load_per_call for p in ReviewerProfile.objects.filter(user__in=pool)}
    turn = 0
    pairs = []
    for application in applications:
        chosen = []
        for step in range(len(pool)):
            reviewer = pool[(turn + step) % len(pool)]
            if load[reviewer.pk] >= limits.get(reviewer.pk, 0):
                continue
            if selectors.conflict_reason(reviewer=reviewer, application=application) is not None:
                continue
            chosen.append(reviewer)
            if len(chosen) == application.call.reviewers_needed:
                break
        turn += 1
        for reviewer in chosen:
            load[reviewer.pk] += 1
            pairs.append((application.pk, reviewer.pk))
    created = services.assignments_create(pairs=pairs, by=by, now=now)
    result: dict[int, list[ReviewAssignment]] = {}
    for assignment in created:
        result.setdefault(assignment.application_id, []).append(assignment)
    return result


def review(assignment: ReviewAssignment, *, quality: float, rng: random.Random, now, submit: bool = True) -> None:
    """The reviewer accepts, scores around ``quality`` (0 to 5) and, unless told otherwise, submits."""
    reviewer = assignment.reviewer
    services.assignment_accept(assignment_id=assignment.pk, by=reviewer, no_conflict=True)
    criteria = RubricCriterion.objects.filter(call_id=assignment.application.call_id).order_by("position", "id")
    scores = {str(c.pk): max(0, min(5, round(quality + rng.uniform(-0.8, 0.8)))) for c in criteria}
    draft = services.review_save(
        assignment_id=assignment.pk,
        by=reviewer,
        scores=scores,
        comment_for_applicant=rng.choice(COMMENTS),
        comment_for_panel="Fundable if capacity allows." if quality >= 3 else "Below the threshold.",
    )
    if submit:
        services.review_submit(review_id=draft.pk, by=reviewer, now=now)


def reply(application: Application, *, now) -> None:
    application.refresh_from_db(fields=["status"])
    if application.status == Status.RIGHT_TO_REPLY:
        services.reply_submit(application_id=application.pk, by=application.pi, text=REPLY, now=now)


def close_replies(*, now) -> None:
    services.reply_windows_close(now=now)


def decide(application: Application, decision: Status, *, by: User, now) -> None:
    justification = {
        Status.APPROVED: "Above the threshold on every criterion; approved in rank order.",
        Status.WAITLISTED: "Above the threshold, below the line of this round's capacity: waitlisted.",
        Status.REJECTED: "Below the threshold on excellence; the reviews explain what is missing.",
    }[decision]
    services.application_decide(
        application_id=application.pk, decision=decision, justification=justification, by=by, now=now
    )
