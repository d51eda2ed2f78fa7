"""Allocation dashboards (staff, under /staff/dashboards/) and the public awards register (/awards/).

Thin: read the filters from the query string, call a selector, turn it into tables and render the page, the htmx
panel fragment or a CSV of one table (``?export=<table>``). Allocation admins, call managers and finance admins
read the dashboards; any other signed-in user gets 403 and anonymous visitors the login page. The register is
public.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from accounts.models import OrganisationType
from allocations.dashboards import selectors, tables
from allocations.dashboards.csv_export import csv_response, csv_stream
from allocations.dashboards.forms import AwardsFilterForm, FilterForm
from portal.units import whole_gpu_hours

PAGES = {
    "overview": gettext_lazy("Overview"),
    "funnel": gettext_lazy("Call funnel"),
    "distribution": gettext_lazy("Who gets the compute"),
    "fund": gettext_lazy("Fund and partners"),
    "reviewers": gettext_lazy("Reviewers"),
}


def _page_data(page: str, filters: selectors.Filters) -> tuple[list[tables.Table], dict]:
    """The tables of one dashboard page and the extra figures its template shows."""
    if page == "overview":
        data = selectors.overview(filters=filters)
        return tables.overview_tables(data), {"as_of": data.as_of, "shows_usage": True}
    if page == "funnel":
        data = selectors.funnel(filters=filters)
        return tables.funnel_tables(data), {"as_of": data.as_of, "shows_usage": True}
    if page == "distribution":
        data = selectors.distribution(filters=filters)
        return tables.distribution_tables(data), {"as_of": data.as_of, "shows_usage": True, "distribution": data}
    if page == "fund":
        data = selectors.fund_and_partners(filters=filters)
        return tables.fund_tables(data), {"fund": data.fund}
    return tables.reviewer_tables(selectors.reviewers(filters=filters)), {}


def _require_reader(request) -> None:
    if not selectors.dashboard_access(request.user):
        raise PermissionDenied(_("Only allocation admins, call managers and finance admins can open the dashboards."))


@login_required
def dashboard(request, page: str = "overview"):
    if page not in PAGES:
        raise Http404
    _require_reader(request)
    form = FilterForm(request.GET, choices=selectors.filter_choices())
    context = {"page": page, "pages": PAGES, "title": PAGES[page], "form": form, "tables": []}
    status = 200
    if form.is_valid():
        page_tables, extra = _page_data(page, form.filters())
        context.update(extra, tables=page_tables)
        export = request.GET.get("export")
        if export:
            table = next((t for t in page_tables if t.slug == export), None)
            if table is None:
                raise Http404
            return _table_csv(page, table)
    else:
        status = 400
    query = request.GET.copy()
    query.pop("export", None)
    context["query"] = query.urlencode()
    template = "dashboards/_panels.html" if request.htmx else "dashboards/page.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _table_csv(page: str, table: tables.Table):
    rows = [*table.rows, *([table.total] if table.total else [])]
    return csv_response(
        f"{page}-{table.slug}.csv",
        [str(c.label) for c in table.columns],
        ([tables.csv_value(c, row.get(c.key)) for c in table.columns] for row in rows),
    )


# --- public awards register ------------------------------------------------------------------------------------

AWARD_CSV_HEADER = (
    "title",
    "acronym",
    "organisation",
    "country",
    "organisation_type",
    "gigafactory",
    "access_mode",
    "gpu_hours",
    "starts_on",
    "ends_on",
    "period",
)


def award_csv_row(award: dict) -> list:
    hours = award["gpu_seconds"]
    period = f"{award['year']} Q{award['quarter']}" if award["year"] else ""
    return [
        award["title"] or "",
        award["acronym"] or "",
        award["organisation"] or "",
        award["country"],
        award["organisation_type"],
        award["gigafactory_name"] or "",
        award["access_mode"] or "",
        "" if hours is None else whole_gpu_hours(hours),
        award["period_start"] or "",
        award["period_end"] or "",
        period,
    ]


def with_names(rows) -> list[dict]:
    """Register rows with the country's and organisation type's names for display."""
    country_names = dict(countries)
    type_names = dict(OrganisationType.choices)
    return [
        {
            **row,
            "country_name": country_names.get(row["country"], row["country"]),
            "organisation_type_name": type_names.get(row["organisation_type"], row["organisation_type"]),
        }
        for row in rows
    ]


def awards(request):
    """The public register: accepted grants, searchable and filterable, 50 a page; ``?format=csv`` downloads all."""
    form = AwardsFilterForm(request.GET, choices=selectors.public_filter_choices())
    if not form.is_valid():
        return render(request, "dashboards/awards.html", {"form": form, "page_obj": None}, status=400)
    rows = selectors.public_awards(**form.selector_kwargs())
    if request.GET.get("format") == "csv":
        return csv_stream("awards.csv", AWARD_CSV_HEADER, (award_csv_row(a) for a in rows.iterator(chunk_size=2000)))
    page_obj = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "form": form,
        "page_obj": page_obj,
        "awards": with_names(page_obj.object_list),
        "query": query.urlencode(),
    }
    template = "dashboards/_awards_results.html" if request.htmx else "dashboards/awards.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
