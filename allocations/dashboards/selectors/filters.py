"""Shared by every dashboard: who may read them, the grant statuses that hold hours, permille, quarters and
the filters."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from allocations.models import AccessMode, Application, Call, Gigafactory
from allocations.models.capacity import CapacityPeriod, Grant, GrantStatus
from allocations.models.dashboards import DashboardRefresh

SECONDS_PER_DAY = 86_400

# Grants that hold hours: an open offer or an accepted one (declined and expired offers gave their hours back).
GRANTED = (GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)
ACCEPTED = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)


def dashboard_access(user: User) -> bool:
    """Allocation admins, call managers and finance admins read the dashboards and the stats API."""
    return user.is_authenticated and has_role(
        user, PlatformRole.ALLOCATION_ADMIN, PlatformRole.CALL_MANAGER, PlatformRole.FINANCE_ADMIN
    )


def permille(part: int, whole: int) -> int | None:
    """``part / whole`` in permille, rounded down; ``None`` when there is no whole."""
    return part * 1000 // whole if whole else None


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First day of the quarter and first day after it."""
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end


# --- filters ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The dashboard filters, as ids (resolved by ``allocations.dashboards.forms.FilterForm``)."""

    gigafactory_id: int | None = None
    year: int | None = None
    quarter: int | None = None
    call_id: int | None = None
    mode_id: int | None = None

    @property
    def has_period(self) -> bool:
        return self.year is not None and self.quarter is not None


@dataclass
class FilterChoices:
    gigafactories: list[tuple[int, str, str]]  # id, slug, name
    periods: list[tuple[int, int]]  # year, quarter
    calls: list[tuple[int, str, str]]  # id, slug, title
    modes: list[tuple[int, str, str]]  # id, code, name


def filter_choices() -> FilterChoices:
    """What the filter form offers. Four small queries."""
    return FilterChoices(
        gigafactories=list(Gigafactory.objects.order_by("name").values_list("pk", "slug", "name")),
        periods=list(CapacityPeriod.objects.order_by("-year", "-quarter").values_list("year", "quarter").distinct()),
        calls=list(Call.objects.order_by("-opens_at", "title").values_list("pk", "slug", "title")),
        modes=list(AccessMode.objects.order_by("position", "name").values_list("pk", "code", "name")),
    )


def _applications(filters: Filters) -> QuerySet[Application]:
    """Applications within the filters. The period is the quarter of the cut-off (drafts: of their creation)."""
    qs = Application.objects.all()
    if filters.call_id:
        qs = qs.filter(call_id=filters.call_id)
    if filters.mode_id:
        qs = qs.filter(call__access_mode_id=filters.mode_id)
    if filters.gigafactory_id:
        qs = qs.filter(call__gigafactories=filters.gigafactory_id)
    if filters.has_period:
        start, end = quarter_bounds(filters.year, filters.quarter)
        tz = timezone.get_current_timezone()
        start_at = datetime.datetime.combine(start, datetime.time.min, tz)
        end_at = datetime.datetime.combine(end, datetime.time.min, tz)
        qs = qs.filter(
            Q(cutoff__at__gte=start_at, cutoff__at__lt=end_at)
            | Q(cutoff__isnull=True, created_at__gte=start_at, created_at__lt=end_at)
        )
    return qs


def _grants(filters: Filters) -> QuerySet[Grant]:
    qs = Grant.objects.all()
    if filters.call_id:
        qs = qs.filter(application__call_id=filters.call_id)
    if filters.mode_id:
        qs = qs.filter(application__call__access_mode_id=filters.mode_id)
    if filters.gigafactory_id:
        qs = qs.filter(gigafactory_id=filters.gigafactory_id)
    if filters.has_period:
        qs = qs.filter(period__year=filters.year, period__quarter=filters.quarter)
    return qs


def _periods(filters: Filters) -> QuerySet[CapacityPeriod]:
    qs = CapacityPeriod.objects.all()
    if filters.gigafactory_id:
        qs = qs.filter(gigafactory_id=filters.gigafactory_id)
    if filters.has_period:
        qs = qs.filter(year=filters.year, quarter=filters.quarter)
    return qs


def as_of() -> datetime.datetime | None:
    """When the usage summary was last rebuilt (``None``: never). One query."""
    return DashboardRefresh.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
