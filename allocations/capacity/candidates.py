"""Reads for allocation admins before and after a run: each open-access pool's demand (what a run would
consider), and, when a run finds nobody, why the applications of its access mode were left out.

The rules are those of ``selectors.candidate_applications``; this module only counts what each rule excludes.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allocations.applications.workflow import Status
from allocations.capacity.selectors import candidate_applications
from allocations.models import Application, Call
from allocations.models.capacity import Award, Grant, Pool, PoolKind

# Statuses on the way to a decision: an application here may still become a candidate.
NOT_DECIDED_YET = (
    Status.SUBMITTED,
    Status.ELIGIBILITY_CHECK,
    Status.IN_REVIEW,
    Status.REVIEWS_COMPLETE,
    Status.RIGHT_TO_REPLY,
    Status.PANEL,
)

AWARDED_OR_APPROVED = (Status.APPROVED, Status.OFFERED, Status.ACCEPTED, Status.ACTIVE)


@dataclass(frozen=True)
class Demand:
    applications: int
    requested_hours: int


def pool_demand(*, pools: list[Pool]) -> dict[int, Demand]:
    """Per open-access pool id: the approved applications a run would consider and the GPU-hours they request
    (whole project requests). One query per open-access pool (a period has a handful)."""
    demand = {}
    for pool in pools:
        if pool.kind != PoolKind.OPEN_ACCESS:
            continue
        totals = candidate_applications(pool=pool).aggregate(n=Count("pk"), hours=Sum("requested_gpu_hours"))
        demand[pool.pk] = Demand(applications=totals["n"], requested_hours=totals["hours"] or 0)
    return demand


def why_no_candidates(*, pool: Pool) -> list[str]:
    """Sentences saying why a run of ``pool`` found no application, one per reason that applies, each with its
    count (e.g. "3 approved applications prefer another Gigafactory."). Two queries."""
    period = pool.period
    of_mode = Application.objects.filter(call__access_mode_id=pool.access_mode_id)
    on_gigafactory = Exists(
        Call.gigafactories.through.objects.filter(call_id=OuterRef("call_id"), gigafactory_id=period.gigafactory_id)
    )
    elsewhere = Q(preferred_gigafactory__isnull=False) & ~Q(preferred_gigafactory_id=period.gigafactory_id)
    not_here = elsewhere | (Q(preferred_gigafactory__isnull=True) & ~on_gigafactory)
    awarded = Exists(Award.objects.filter(application_id=OuterRef("pk"))) | Exists(
        Grant.objects.filter(application_id=OuterRef("pk"), period_id=period.pk)
    )
    approved = Q(status=Status.APPROVED)
    counts = of_mode.aggregate(
        undecided=Count("pk", filter=Q(status__in=NOT_DECIDED_YET)),
        approved=Count("pk", filter=approved),
        elsewhere=Count("pk", filter=approved & not_here),
        too_late=Count("pk", filter=approved & Q(start_month__gte=period.ends_on)),
        awarded=Count("pk", filter=awarded & Q(status__in=AWARDED_OR_APPROVED)),
        no_request=Count("pk", filter=approved & (Q(requested_gpu_hours__isnull=True) | Q(requested_gpu_hours=0))),
    )
    mode = pool.access_mode.name
    reasons = []
    if not counts["approved"]:
        reasons.append(_("No %(mode)s application is approved by a panel yet.") % {"mode": mode})
    if counts["undecided"]:
        n = counts["undecided"]
        reasons.append(
            ngettext(
                "%(n)d %(mode)s application is still being checked, reviewed or at the panel (not approved yet).",
                "%(n)d %(mode)s applications are still being checked, reviewed or at the panel (not approved yet).",
                n,
            )
            % {"n": n, "mode": mode}
        )
    values = {"gf": period.gigafactory.name, "period": str(period)}
    if n := counts["elsewhere"]:
        reasons.append(
            ngettext(
                "%(n)d approved application prefers another Gigafactory (or its call does not include %(gf)s).",
                "%(n)d approved applications prefer another Gigafactory (or their call does not include %(gf)s).",
                n,
            )
            % {"n": n, **values}
        )
    if n := counts["too_late"]:
        reasons.append(
            ngettext(
                "%(n)d approved application starts after this quarter (%(period)s).",
                "%(n)d approved applications start after this quarter (%(period)s).",
                n,
            )
            % {"n": n, **values}
        )
    if n := counts["awarded"]:
        reasons.append(
            ngettext(
                "%(n)d application already has an award or a grant in this period.",
                "%(n)d applications already have an award or a grant in this period.",
                n,
            )
            % {"n": n}
        )
    if n := counts["no_request"]:
        reasons.append(
            ngettext(
                "%(n)d approved application requests no GPU-hours.",
                "%(n)d approved applications request no GPU-hours.",
                n,
            )
            % {"n": n}
        )
    return reasons
