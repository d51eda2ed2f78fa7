"""The dashboards' tables: what each page shows, as columns and rows of raw integers.

One ``Table`` feeds three things so they can never disagree: the accessible HTML table, the Chart.js chart drawn
from that table's cells (``static/js/dashboards.js``) and the CSV download. Values stay raw (GPU-seconds, permille,
basis points, euro cents, seconds) until ``display`` / ``csv_value`` / ``chart_value`` format them.
"""

from allocations.dashboards.tables.base import SECONDS_PER_DAY, Column, Table, chart_value, csv_value, display
from allocations.dashboards.tables.overview import funnel_tables, overview_tables
from allocations.dashboards.tables.shares import distribution_tables, fund_tables, reviewer_tables

__all__ = [
    "SECONDS_PER_DAY",
    "Column",
    "Table",
    "chart_value",
    "csv_value",
    "display",
    "distribution_tables",
    "fund_tables",
    "funnel_tables",
    "overview_tables",
    "reviewer_tables",
]
