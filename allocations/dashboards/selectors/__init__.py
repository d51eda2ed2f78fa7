"""Reads for the allocation dashboards, the stats API and the public awards register.

Every figure is aggregated in PostgreSQL (GROUP BY with FILTER, GROUPING SETS, percentile_cont); Python only
merges a handful of grouped rows, so the number of queries does not grow with the data. Amounts are integer
GPU-seconds; rates are integer permille (1 permille = 0.1 %); durations are integer seconds.

Who may call what: the dashboard and stats readers (``dashboard_access``) are allocation admins, call managers and
finance admins (read only); the public register (``public_awards``) is for everybody and never returns a draft,
a rejected application or the hidden details of a call whose awards are confidential.

One submodule per dashboard (``capacity_overview``, ``call_funnel``, ``compute_shares``, ``reviewer_load``,
``awards_register``) and ``filters`` for what they share; this package re-exports them, so callers keep writing
``from allocations.dashboards import selectors; selectors.overview(...)``.
"""

from allocations.dashboards.selectors.awards_register import (
    PUBLIC_APPLICATION_STATUSES,
    PUBLIC_FIELDS,
    PUBLIC_ORDER,
    PublicAwardList,
    public_awards,
    public_filter_choices,
)
from allocations.dashboards.selectors.call_funnel import (
    _FUNNEL_AGGREGATES,
    DECISION_ACTIONS,
    FUNNEL_STAGES,
    FUNNEL_STATUSES,
    Funnel,
    FunnelRow,
    funnel,
)
from allocations.dashboards.selectors.capacity_overview import SUMMED, Overview, OverviewRow, overview
from allocations.dashboards.selectors.compute_shares import (
    CallDemand,
    Distribution,
    FundFigures,
    PartnerShare,
    ShareRow,
    distribution,
    fund_and_partners,
)
from allocations.dashboards.selectors.filters import (
    ACCEPTED,
    GRANTED,
    SECONDS_PER_DAY,
    FilterChoices,
    Filters,
    as_of,
    dashboard_access,
    filter_choices,
    permille,
    quarter_bounds,
)
from allocations.dashboards.selectors.reviewer_load import ReviewerLoad, reviewers

__all__ = [
    "ACCEPTED",
    "DECISION_ACTIONS",
    "FUNNEL_STAGES",
    "FUNNEL_STATUSES",
    "GRANTED",
    "PUBLIC_APPLICATION_STATUSES",
    "PUBLIC_FIELDS",
    "PUBLIC_ORDER",
    "SECONDS_PER_DAY",
    "SUMMED",
    "_FUNNEL_AGGREGATES",
    "CallDemand",
    "Distribution",
    "FilterChoices",
    "Filters",
    "FundFigures",
    "Funnel",
    "FunnelRow",
    "Overview",
    "OverviewRow",
    "PartnerShare",
    "PublicAwardList",
    "ReviewerLoad",
    "ShareRow",
    "as_of",
    "dashboard_access",
    "distribution",
    "filter_choices",
    "fund_and_partners",
    "funnel",
    "overview",
    "permille",
    "public_awards",
    "public_filter_choices",
    "quarter_bounds",
    "reviewers",
]
