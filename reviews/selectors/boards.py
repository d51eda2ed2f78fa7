"""Reads for call managers: the calls they manage, each call's board and the panel ranking."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.countries import ELIGIBLE_COUNTRIES
from allocations.applications.workflow import Status
from allocations.models import Application, Call, CallCutoff, RubricCriterion
from reviews import scoring
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    AssignmentStatus,
    PanelDecision,
    RankMove,
    ReviewAssignment,
)
from reviews.selectors._common import (
    PANEL_STATUSES,
    _reviews_prefetch,
    criteria_of,
    latest_submitted,
    latest_submitted_reviews,
    pure_criteria,
    review_scores,
)

# --- Call manager: boards and panel -------------------------------------------------------------------------------


def calls_for_management() -> QuerySet[Call]:
    """Published and closed calls with their counts of submitted applications by stage."""
    return (
        Call.objects.exclude(status="draft")
        .select_related("access_mode")
        .annotate(
            to_check=Count(
                "applications", filter=Q(applications__status__in=(Status.SUBMITTED, Status.ELIGIBILITY_CHECK))
            ),
            in_review=Count("applications", filter=Q(applications__status=Status.IN_REVIEW)),
            in_panel=Count("applications", filter=Q(applications__status=Status.PANEL)),
        )
        .order_by("-opens_at", "title")
    )


def call_for_management(*, slug: str) -> Call:
    return (
        Call.objects.select_related("access_mode")
        .prefetch_related(
            Prefetch("criteria", queryset=RubricCriterion.objects.order_by("position", "id")),
            Prefetch("cutoffs", queryset=CallCutoff.objects.order_by("at")),
        )
        .get(slug=slug)
    )


@dataclass
class Board:
    call: Call
    counts: list[tuple[str, str, int]]  # (status, label, count)
    applications: list[Application]
    missing_reviews: int
    overdue: int


def call_board(*, call: Call, today: dt.date | None = None) -> Board:
    """Per call: counts per status, then each submitted application with its reviews missing and overdue."""
    today = today or timezone.localdate()
    counts = dict(
        Application.objects.filter(call=call)
        .exclude(status=Status.DRAFT)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    applications = list(
        Application.objects.filter(call=call)
        .exclude(status__in=(Status.DRAFT, Status.WITHDRAWN))
        .select_related("organisation", "cutoff")
        .annotate(
            active_reviews=Count("review_assignments", filter=Q(review_assignments__status__in=ACTIVE_ASSIGNMENT)),
            completed_reviews=Count(
                "review_assignments", filter=Q(review_assignments__status=AssignmentStatus.COMPLETED)
            ),
            overdue_reviews=Count(
                "review_assignments",
                filter=Q(
                    review_assignments__status__in=(AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED),
                    review_assignments__due_on__lt=today,
                ),
            ),
        )
        .order_by("submitted_at", "pk")
    )
    required = call.reviewers_needed
    missing = 0
    for a in applications:
        a.missing_reviews = max(required - a.completed_reviews, 0) if a.status == Status.IN_REVIEW else 0
        a.unassigned = max(required - a.active_reviews, 0) if a.status == Status.IN_REVIEW else 0
        missing += a.missing_reviews
    return Board(
        call=call,
        counts=[(s.value, str(s.label), counts[s.value]) for s in Status if counts.get(s.value)],
        applications=applications,
        missing_reviews=missing,
        overdue=sum(a.overdue_reviews for a in applications),
    )


def application_for_manager(*, pk: int) -> Application:
    return Application.objects.select_related("call__access_mode", "organisation", "pi", "cutoff").get(pk=pk)


@dataclass
class PanelReview:
    reviewer: object
    version: int
    submitted_at: dt.datetime | None
    scores: list[tuple[str, int]]
    comment_for_applicant: str
    comment_for_panel: str


def reviews_for_panel(*, application: Application) -> list[PanelReview]:
    """The application's submitted reviews, each in its latest version, with the reviewer's name, the scores and
    both comments, in assignment order: for call managers preparing the panel (never shown to the applicant)."""
    return [
        PanelReview(
            reviewer=review.assignment.reviewer,
            version=review.version,
            submitted_at=review.submitted_at,
            scores=scores,
            comment_for_applicant=review.comment_for_applicant,
            comment_for_panel=review.comment_for_panel,
        )
        for review, scores in latest_submitted_reviews(application, with_reviewer=True)
    ]


@dataclass
class PanelRow:
    rank: int
    application: Application
    summary: scoring.Summary
    weighted_text: str
    minimum_text: str
    criterion_texts: list[str]
    review_count: int
    moves: list[RankMove]
    decision: PanelDecision | None

    @property
    def flagged(self) -> bool:
        return self.summary.flagged


@dataclass
class Panel:
    call: Call
    cutoff: CallCutoff | None
    criteria: list[RubricCriterion]
    rows: list[PanelRow]
    threshold_text: str


def panel(*, call: Call, cutoff: CallCutoff | None = None) -> Panel:
    """The ranked list of a call (one cut-off batch when given): applications in the panel and decided ones.

    Five queries whatever the number of applications (the call's rubric comes prefetched or costs one more).
    """
    criteria = criteria_of(call)
    pure = pure_criteria(criteria)
    applications = (
        Application.objects.filter(call=call, status__in=PANEL_STATUSES)
        .select_related("organisation", "panel_decision")
        .prefetch_related(
            Prefetch(
                "review_assignments",
                queryset=ReviewAssignment.objects.filter(status=AssignmentStatus.COMPLETED).prefetch_related(
                    _reviews_prefetch()
                ),
            ),
            Prefetch("rank_moves", queryset=RankMove.objects.select_related("moved_by").order_by("created_at", "id")),
        )
    )
    if cutoff is not None:
        applications = applications.filter(cutoff=cutoff)
    applications = list(applications)
    summaries: dict[int, scoring.Summary] = {}
    counts: dict[int, int] = {}
    all_moves: list[RankMove] = []
    for a in applications:
        reviews = [latest_submitted(list(x.reviews.all())) for x in a.review_assignments.all()]
        score_sets = [review_scores(r) for r in reviews if r is not None]
        score_sets = [s for s in score_sets if all(c.id in s for c in pure)]
        summaries[a.pk] = scoring.summarise(score_sets, pure)
        counts[a.pk] = len(score_sets)
        all_moves.extend(a.rank_moves.all())
    all_moves.sort(key=lambda m: (m.created_at, m.pk))
    order = scoring.rank(
        [scoring.Candidate(id=a.pk, submitted_at=a.submitted_at, summary=summaries[a.pk]) for a in applications],
        [(m.application_id, m.position) for m in all_moves],
    )
    by_id = {a.pk: a for a in applications}
    rows = []
    for position, app_id in enumerate(order, start=1):
        a = by_id[app_id]
        s = summaries[app_id]
        rows.append(
            PanelRow(
                rank=position,
                application=a,
                summary=s,
                weighted_text=scoring.as_decimal_text(s.weighted),
                minimum_text=scoring.as_decimal_text(s.minimum),
                criterion_texts=[scoring.as_decimal_text(s.criterion_means.get(c.pk)) for c in criteria],
                review_count=counts[app_id],
                moves=list(a.rank_moves.all()),
                decision=getattr(a, "panel_decision", None),
            )
        )
    weights = sum(c.weight for c in criteria)
    threshold = (
        scoring.as_decimal_text(
            scoring.weighted_score({c.pk: c.threshold for c in criteria}, pure) if weights else None
        )
        if criteria
        else "—"
    )
    return Panel(call=call, cutoff=cutoff, criteria=criteria, rows=rows, threshold_text=threshold)


def panel_rank_of(*, application: Application) -> int:
    """The application's position in its call and cut-off panel list right now."""
    call = Call.objects.prefetch_related("criteria").get(pk=application.call_id)
    result = panel(call=call, cutoff=application.cutoff)
    return next((row.rank for row in result.rows if row.application.pk == application.pk), len(result.rows) + 1)


@dataclass(frozen=True)
class ComputedPoint:
    holds: bool
    why: str


def computed_eligibility(*, application: Application) -> dict[str, ComputedPoint]:
    """The checklist points the portal can decide from data (country, organisation type, request bounds), each
    with the reason shown beside the prefilled tick; the call manager still confirms them. No query beyond the
    application's call and organisation."""
    call, organisation = application.call, application.organisation
    countries = [c.code for c in call.eligible_countries] or [code for code, _name in ELIGIBLE_COUNTRIES()]
    country = organisation.country
    types = call.eligible_organisation_types
    requested, low, high = application.requested_gpu_hours, call.request_min, call.request_max
    within = requested is not None and low <= requested <= high
    return {
        "country_eligible": ComputedPoint(
            country.code in countries,
            (
                _("%(country)s is eligible for this call.")
                if country.code in countries
                else _("%(country)s is not among the call's eligible countries.")
            )
            % {"country": country.name},
        ),
        "organisation_type_eligible": ComputedPoint(
            not types or organisation.type in types,
            (
                _("%(type)s is eligible for this call.")
                if not types or organisation.type in types
                else _("%(type)s is not among the call's eligible organisation types.")
            )
            % {"type": organisation.get_type_display()},
        ),
        "request_within_bounds": ComputedPoint(
            within,
            _("%(n)s GPU-hours requested; the call takes %(low)s to %(high)s.")
            % {
                "n": formats.number_format(requested or 0, force_grouping=True),
                "low": formats.number_format(low, force_grouping=True),
                "high": formats.number_format(high, force_grouping=True),
            },
        ),
    }
