"""Reads for the allocation dashboards, the stats API and the public awards register.

Every figure is aggregated in PostgreSQL (GROUP BY with FILTER, GROUPING SETS, percentile_cont); Python only
merges a handful of grouped rows, so the number of queries does not grow with the data. Amounts are integer
GPU-seconds; rates are integer permille (1 permille = 0.1 %); durations are integer seconds.

Who may call what: the dashboard and stats readers (``dashboard_access``) are allocation admins, call managers and
finance admins (read only); the public register (``public_awards``) is for everybody and never returns a draft,
a rejected application or the hidden details of a call whose awards are confidential.

One submodule per dashboard (``capacity_overview``, ``call_funnel``, ``compute_shares``, ``reviewer_load``,
``awards_register``) and ``filters`` for what they share; this package re-exports them, so callers keep writing
``from allocations import dashboard_selectors as selectors; selectors.overview(...)``.
"""

from allocations.dashboard_selectors.awards_register import PUBLIC_APPLICATION_STATUSES as PUBLIC_APPLICATION_STATUSES
from allocations.dashboard_selectors.awards_register import PUBLIC_FIELDS as PUBLIC_FIELDS
from allocations.dashboard_selectors.awards_register import PUBLIC_ORDER as PUBLIC_ORDER
from allocations.dashboard_selectors.awards_register import PublicAwardList as PublicAwardList
from allocations.dashboard_selectors.awards_register import public_awards as public_awards
from allocations.dashboard_selectors.awards_register import public_filter_choices as public_filter_choices
from allocations.dashboard_selectors.call_funnel import _FUNNEL_AGGREGATES as _FUNNEL_AGGREGATES
from allocations.dashboard_selectors.call_funnel import DECISION_ACTIONS as DECISION_ACTIONS
from allocations.dashboard_selectors.call_funnel import FUNNEL_STAGES as FUNNEL_STAGES
from allocations.dashboard_selectors.call_funnel import FUNNEL_STATUSES as FUNNEL_STATUSES
from allocations.dashboard_selectors.call_funnel import Funnel as Funnel
from allocations.dashboard_selectors.call_funnel import FunnelRow as FunnelRow
from allocations.dashboard_selectors.call_funnel import funnel as funnel
from allocations.dashboard_selectors.capacity_overview import SUMMED as SUMMED
from allocations.dashboard_selectors.capacity_overview import Overview as Overview
from allocations.dashboard_selectors.capacity_overview import OverviewRow as OverviewRow
from allocations.dashboard_selectors.capacity_overview import overview as overview
from allocations.dashboard_selectors.compute_shares import CallDemand as CallDemand
from allocations.dashboard_selectors.compute_shares import Distribution as Distribution
from allocations.dashboard_selectors.compute_shares import FundFigures as FundFigures
from allocations.dashboard_selectors.compute_shares import PartnerShare as PartnerShare
from allocations.dashboard_selectors.compute_shares import ShareRow as ShareRow
from allocations.dashboard_selectors.compute_shares import distribution as distribution
from allocations.dashboard_selectors.compute_shares import fund_and_partners as fund_and_partners
from allocations.dashboard_selectors.filters import ACCEPTED as ACCEPTED
from allocations.dashboard_selectors.filters import GRANTED as GRANTED
from allocations.dashboard_selectors.filters import SECONDS_PER_DAY as SECONDS_PER_DAY
from allocations.dashboard_selectors.filters import FilterChoices as FilterChoices
from allocations.dashboard_selectors.filters import Filters as Filters
from allocations.dashboard_selectors.filters import as_of as as_of
from allocations.dashboard_selectors.filters import dashboard_access as dashboard_access
from allocations.dashboard_selectors.filters import filter_choices as filter_choices
from allocations.dashboard_selectors.filters import permille as permille
from allocations.dashboard_selectors.filters import quarter_bounds as quarter_bounds
from allocations.dashboard_selectors.reviewer_load import ReviewerLoad as ReviewerLoad
from allocations.dashboard_selectors.reviewer_load import reviewers as reviewers
