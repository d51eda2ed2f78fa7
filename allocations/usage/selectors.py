"""Reads of usage accounting: who may see which grant's usage, burn-down series with the linear target and the
exhaustion forecast, record lists, imports and clusters for the staff pages.

Who sees what: allocation admins see everything (staff pages and API); members of a grant's applicant
organisation, its PI and its named team members see that grant's usage and records; everybody else gets 404.
The grant page and ``GET /api/v1/grants/{id}/usage/`` both read :func:`grant_usage`, so they show the same numbers.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PlatformRole
from allocations.capacity.selectors import hours, is_allocation_admin  # noqa: F401 (re-exported for usage code)
from allocations.models import Application, ApplicationMember
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.usage import (
    ALERT_THRESHOLDS,
    Cluster,
    ClusterToken,
    ImportStatus,
    UsageAlert,
    UsageDaily,
    UsageImport,
    UsageReclaim,
    UsageRecord,
)
from portal.units import gpu_hours

FORECAST_WINDOW_DAYS = 14


# --- access -------------------------------------------------------------------------------------------------------


def grants_visible(*, user: User) -> QuerySet[Grant]:
    """Allocation admins: every grant; others: grants of applications they are PI, team member or organisation
    member of; anonymous users: none."""
    grants = Grant.objects.select_related("application__organisation", "gigafactory", "period", "account")
    if not user.is_authenticated:
        return grants.none()
    if is_allocation_admin(user):
        return grants
    mine = Application.objects.filter(pk=OuterRef("application_id")).filter(
        Q(organisation__memberships__user=user)
        | Q(pi=user)
        | Exists(ApplicationMember.objects.filter(application_id=OuterRef("pk"), user=user))
    )
    return grants.filter(Exists(mine))


def grant_for_usage(*, user: User, pk: int) -> Grant:
    """The grant if ``user`` may read its usage; ``Grant.DoesNotExist`` otherwise (views answer 404)."""
    return grants_visible(user=user).get(pk=pk)


def records_for_user(
    *, user: User, grant: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[UsageRecord]:
    """Usage records of the grants ``user`` may see, newest first, filtered by grant and by the day charged."""
    records = UsageRecord.objects.select_related("cluster").order_by("-end", "-id")
    if not is_allocation_admin(user):
        records = records.filter(grant__in=grants_visible(user=user).values("pk"))
    if grant is not None:
        records = records.filter(grant_id=grant)
    if date_from is not None:
        records = records.filter(day__gte=date_from)
    if date_to is not None:
        records = records.filter(day__lte=date_to)
    return records


# --- burn-down and forecast (pure calculation below, one query each above) --------------------------------------


@dataclass(frozen=True, slots=True)
class BurnDownDay:
    day: dt.date
    used_seconds: int
    cumulative_seconds: int
    target_seconds: int


class ForecastStatus:
    NO_USAGE = "no_usage"  # nothing used in the window: no exhaustion in sight
    ON_TRACK = "on_track"  # at the recent rate the hours last beyond the grant's end
    RUNS_OUT = "runs_out"  # at the recent rate the hours run out before the grant ends
    EXHAUSTED = "exhausted"  # already used up
    NOT_STARTED = "not_started"


@dataclass(frozen=True, slots=True)
class Forecast:
    status: str
    rate_seconds_per_day: int
    window_days: int
    runs_out_on: dt.date | None


def linear_target(*, granted: int, start: dt.date, end: dt.date, day: dt.date) -> int:
    """The cumulative GPU-seconds a grant used evenly over [start, end) would have used by the end of ``day``."""
    total = (end - start).days
    if total <= 0:
        return granted
    elapsed = min(max((day - start).days + 1, 0), total)
    return granted * elapsed // total


def burn_down(*, granted: int, start: dt.date, end: dt.date, daily: dict[dt.date, int], today: dt.date):
    """One row per day from the grant's start to today (or its last day): used that day, cumulative, target."""
    last = min(today, end - dt.timedelta(days=1))
    days: list[BurnDownDay] = []
    cumulative = 0
    day = start
    while day <= last:
        used = daily.get(day, 0)
        cumulative += used
        days.append(BurnDownDay(day, used, cumulative, linear_target(granted=granted, start=start, end=end, day=day)))
        day += dt.timedelta(days=1)
    return days


def forecast(
    *,
    granted: int,
    start: dt.date,
    end: dt.date,
    daily: dict[dt.date, int],
    today: dt.date,
    window: int = FORECAST_WINDOW_DAYS,
) -> Forecast:
    """When the hours run out at the rate of the last ``window`` complete days (those before ``today``, within the
    grant). Exhausted grants give the day the cumulative use reached the grant. Integer arithmetic only: the
    forecast day is the first day by whose end ``used + k x rate`` reaches the grant."""
    if today < start:
        return Forecast(ForecastStatus.NOT_STARTED, 0, 0, None)
    cumulative = 0
    day = start
    while day <= today and day < end:
        cumulative += daily.get(day, 0)
        if granted and cumulative >= granted:
            return Forecast(ForecastStatus.EXHAUSTED, 0, 0, day)
        day += dt.timedelta(days=1)
    window_start = max(start, today - dt.timedelta(days=window))
    window_days = (today - window_start).days
    window_sum = sum(v for d, v in daily.items() if window_start <= d < today)
    if window_days <= 0 or window_sum <= 0:
        return Forecast(ForecastStatus.NO_USAGE, 0, window_days, None)
    used = sum(v for d, v in daily.items() if d <= today)
    remaining = granted - used
    # days k >= 1 after today with used + k * window_sum / window_days >= granted
    days_needed = max(-(-remaining * window_days // window_sum), 1)
    runs_out_on = today + dt.timedelta(days=days_needed)
    status = ForecastStatus.RUNS_OUT if runs_out_on < end else ForecastStatus.ON_TRACK
    return Forecast(status, window_sum // window_days, window_days, runs_out_on)


@dataclass
class GrantUsage:
    grant: Grant
    granted_seconds: int
    used_seconds: int
    posted_seconds: int
    remaining_seconds: int
    overuse_seconds: int
    percent_used: int
    ledger_balance_seconds: int
    reclaimed_seconds: int
    days: list[BurnDownDay]
    forecast: Forecast
    alerts: list[int] = field(default_factory=list)
    today: dt.date | None = None

    @property
    def banner_threshold(self) -> int | None:
        return max(self.alerts) if self.alerts else None


def grant_usage(*, grant: Grant, today: dt.date | None = None) -> GrantUsage:
    """Totals, the burn-down series and the forecast of one grant (``grant`` with its ledger account loaded).
    Three queries."""
    today = today or timezone.localdate()
    daily = dict(UsageDaily.objects.filter(grant=grant).values_list("day", "gpu_seconds"))
    posted = UsageDaily.objects.filter(grant=grant).aggregate(s=Sum("posted_seconds"))["s"] or 0
    alerts = sorted(UsageAlert.objects.filter(grant=grant).values_list("threshold", flat=True))
    reclaimed = sum(UsageReclaim.objects.filter(grant=grant).values_list("amount_seconds", flat=True))
    used = sum(daily.values())
    granted = grant.granted_seconds
    account = grant.account
    return GrantUsage(
        grant=grant,
        granted_seconds=granted,
        used_seconds=used,
        posted_seconds=posted,
        remaining_seconds=max(granted - used, 0),
        overuse_seconds=max(used - granted, 0),
        percent_used=used * 100 // granted if granted else 0,
        ledger_balance_seconds=account.credits_posted - account.debits_posted - account.debits_pending,
        reclaimed_seconds=reclaimed,
        days=burn_down(granted=granted, start=grant.starts_on, end=grant.ends_on, daily=daily, today=today),
        forecast=forecast(granted=granted, start=grant.starts_on, end=grant.ends_on, daily=daily, today=today),
        alerts=alerts,
        today=today,
    )


def chart_data(usage: GrantUsage) -> dict:
    """The burn-down as the chart reads it, in GPU-hours rounded as the table shows them."""
    return {
        "labels": [d.day.isoformat() for d in usage.days],
        "used": [_chart_hours(d.cumulative_seconds) for d in usage.days],
        "target": [_chart_hours(d.target_seconds) for d in usage.days],
        "granted": _chart_hours(usage.granted_seconds),
        "used_label": str(_("Used (GPU-h)")),
        "target_label": str(_("Linear target (GPU-h)")),
        "granted_label": str(_("Granted (GPU-h)")),
        "unit_label": str(_("GPU-h")),
    }


def _chart_hours(seconds: int) -> float:
    # For drawing only: the same rounding as ``hours()`` in the table (whole hours, else one decimal).
    return gpu_hours(seconds)


# --- totals for the services ----------------------------------------------------------------------------------------


def used_seconds_by_grant(*, grant_ids: list[int]) -> dict[int, int]:
    return dict(
        UsageDaily.objects.filter(grant_id__in=grant_ids)
        .values("grant_id")
        .annotate(total=Sum("gpu_seconds"))
        .values_list("grant_id", "total")
    )


def accounts_granted_elsewhere(*, accounts: set[str], gigafactory_id: int) -> set[str]:
    """Slurm accounts among ``accounts`` that belong to grants on other Gigafactories only."""
    if not accounts:
        return set()
    rows = Grant.objects.filter(slurm_account__in=accounts).values_list("slurm_account", "gigafactory_id")
    here = {a for a, gf in rows if gf == gigafactory_id}
    return {a for a, gf in rows if gf != gigafactory_id} - here


def grant_recipients(*, grant: Grant) -> list[str]:
    """The PI and the team members with an email address, each once."""
    emails = []
    if grant.application.pi_id:
        emails.append(grant.application.pi.email)
    members = ApplicationMember.objects.filter(application_id=grant.application_id)
    emails += list(members.values_list("email", flat=True))
    seen: set[str] = set()
    return [e for e in emails if e and not (e.lower() in seen or seen.add(e.lower()))]


def allocation_admin_emails() -> list[str]:
    return list(
        User.objects.filter(groups__name=PlatformRole.ALLOCATION_ADMIN, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def grants_to_reclaim(*, today: dt.date) -> list[int]:
    """Active or accepted grants that ended, with their period, by ``today`` and were not reclaimed yet, by id."""
    return list(
        Grant.objects.filter(
            status__in=[GrantStatus.ACTIVE, GrantStatus.ACCEPTED],
            period__ends_on__lte=today,
            ends_on__lte=today,  # an extended last slice keeps its hours until its own end
        )
        .exclude(Exists(UsageReclaim.objects.filter(grant_id=OuterRef("pk"), period_id=OuterRef("period_id"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- staff pages ----------------------------------------------------------------------------------------------------


def imports_list() -> QuerySet[UsageImport]:
    return UsageImport.objects.select_related("cluster", "created_by", "token").defer("rejects")


def import_detail(*, pk: int) -> UsageImport:
    return UsageImport.objects.select_related("cluster__gigafactory", "created_by", "token").get(pk=pk)


def clusters_list() -> QuerySet[Cluster]:
    return Cluster.objects.select_related("gigafactory").order_by("name")


def tokens_list() -> QuerySet[ClusterToken]:
    return ClusterToken.objects.select_related("cluster", "created_by").order_by("cluster__name", "-created_at")


def grants_over_quota(*, limit: int = 50) -> list[tuple[Grant, int]]:
    """Grants whose recorded use exceeds their hours (flagged to admins), most over first. Two queries."""
    rows = list(
        UsageDaily.objects.values("grant_id")
        .annotate(used=Sum("gpu_seconds"))
        .filter(used__gt=Grant.objects.filter(pk=OuterRef("grant_id")).values("granted_seconds")[:1])
        .order_by("-used")
        .values_list("grant_id", "used")[:limit]
    )
    grants = Grant.objects.select_related("application").in_bulk([r[0] for r in rows])
    return [(grants[grant_id], used) for grant_id, used in rows]


def alert_thresholds() -> tuple[int, ...]:
    return ALERT_THRESHOLDS


def imports_failed(*, now, within_days: int = 14) -> QuerySet[UsageImport]:
    """Imports that failed in the last ``within_days``, newest first (an admin retries or fixes the file)."""
    since = now - dt.timedelta(days=within_days)
    return (
        UsageImport.objects.filter(status=ImportStatus.FAILED, created_at__gte=since)
        .select_related("cluster")
        .defer("rejects")
        .order_by("-created_at", "-id")
    )


def clusters_silent(*, now) -> QuerySet[Cluster]:
    """Clusters whose site agent reported once but not for ``SLURM_AGENT_SILENCE_MINUTES``, longest silent first."""
    cutoff = now - dt.timedelta(minutes=settings.SLURM_AGENT_SILENCE_MINUTES)
    return Cluster.objects.filter(last_report_at__lt=cutoff).select_related("gigafactory").order_by("last_report_at")
