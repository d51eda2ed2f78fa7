"""The public awards register: accepted grants for everybody, hiding what confidential calls keep hidden."""

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from allocations.applications.workflow import Status
from allocations.dashboards.selectors.filters import ACCEPTED
from allocations.models import AccessMode, Gigafactory
from allocations.models.capacity import CapacityPeriod, Grant
from allocations.postaward.reports.selectors import public_publications

# --- public awards register ------------------------------------------------------------------------------------

# Applications whose grants the public register lists.
PUBLIC_APPLICATION_STATUSES = (Status.ACCEPTED, Status.ACTIVE, Status.CLOSED)

PUBLIC_FIELDS = (
    "pk",
    "confidential",
    "title",
    "acronym",
    "organisation",
    "country",
    "organisation_type",
    "gigafactory_name",
    "access_mode",
    "gpu_seconds",
    "period_start",
    "period_end",
    "year",
    "quarter",
    "award_key",
    "slices",
)


def _hidden(value, output_field=None):
    """The value unless the call keeps its awards confidential (then empty, decided in SQL)."""
    return Case(
        When(application__call__awards_confidential=True, then=Value(None)),
        default=value,
        output_field=output_field or CharField(),
    )


# The register's order: public awards first, newest period first, then Gigafactory name; then the confidential
# awards. Every key is a field the public sees for that row (for a confidential row only its country and
# organisation type), so where a confidential award sits, on which page, never depends on its hidden quarter,
# Gigafactory or size. The grant id only breaks ties between rows that read the same.
PUBLIC_ORDER = (
    F("application__call__awards_confidential").asc(),
    _hidden(F("period__starts_on"), DateField()).desc(),
    _hidden(F("gigafactory__name")).asc(),
    F("application__organisation__country").asc(),
    F("application__organisation__type").asc(),
    F("pk").asc(),
)


class PublicAwardList:
    """The register's rows for a paginator (Django's and DRF's). ``count()`` counts the matching grants with only the
    joins the filters need (no display columns); a page slice first picks the page's grant ids on the narrow join
    that sorts them (grants, applications, periods, Gigafactories), then reads the display columns of those rows only,
    then the publications of their awards' submitted final reports (``publications``, empty for confidential calls).
    Both stay live: a declined grant or a renamed project shows on the next request."""

    ordered = True  # the paginator's check for a stable order

    def __init__(self, grants: QuerySet[Grant]):
        self._grants = grants

    def count(self) -> int:
        return self._grants.count()

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice):
            raise TypeError("the register is read a page (a slice) at a time")
        ids = list(self._grants.order_by(*PUBLIC_ORDER).values_list("pk", flat=True)[index])
        rows = {row["pk"]: row for row in _public_rows(Grant.objects.filter(pk__in=ids))}
        publications = public_publications(award_ids={row["award_key"] for row in rows.values() if row["award_key"]})
        for row in rows.values():
            row["publications"] = publications.get(row["award_key"], [])
        return [rows[pk] for pk in ids if pk in rows]

    def iterator(self, chunk_size: int = 2000):
        """Every row in the register's order, streamed (the CSV download)."""
        return _public_rows(self._grants.order_by(*PUBLIC_ORDER)).iterator(chunk_size=chunk_size)


def _award_total(aggregate):
    """``aggregate`` over the accepted slices of the row's award (a subquery), for grants without an award None."""
    slices = Grant.objects.filter(award_id=OuterRef("award_id"), status__in=ACCEPTED).order_by().values("award_id")
    return Subquery(slices.annotate(value=aggregate).values("value")[:1])


def _one_row_per_award(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    """An award over several quarters is one row of the register: its first matching slice stands for it (grants
    made before awards existed stand for themselves)."""
    firsts = grants.filter(award__isnull=False).order_by().values("award_id").annotate(first=Min("pk"))
    return grants.filter(Q(award__isnull=True) | Q(pk__in=firsts.values("first")))


def _public_rows(grants: QuerySet[Grant]) -> QuerySet:
    """``grants`` as dictionaries of ``PUBLIC_FIELDS``, the hidden fields of confidential calls emptied in SQL. A row
    stands for its whole award: GPU-seconds of every accepted slice, the project's start and end, and the number of
    quarterly slices (``slices``)."""
    return grants.values(
        "pk",
        confidential=F("application__call__awards_confidential"),
        title=_hidden(F("application__title")),
        acronym=_hidden(F("application__acronym")),
        organisation=_hidden(F("application__organisation__legal_name")),
        country=F("application__organisation__country"),
        organisation_type=F("application__organisation__type"),
        gigafactory_name=_hidden(F("gigafactory__name")),
        access_mode=_hidden(F("application__call__access_mode__name")),
        gpu_seconds=_hidden(Coalesce(_award_total(Sum("granted_seconds")), F("granted_seconds")), BigIntegerField()),
        period_start=_hidden(Coalesce(F("award__starts_on"), F("starts_on")), DateField()),
        period_end=_hidden(Coalesce(F("award__ends_on"), F("ends_on")), DateField()),
        year=_hidden(F("period__year"), IntegerField()),
        quarter=_hidden(F("period__quarter"), IntegerField()),
        award_key=_hidden(F("award_id"), IntegerField()),
        slices=_hidden(Coalesce(_award_total(Count("pk")), Value(1)), IntegerField()),
    )


def public_awards(
    *,
    search: str = "",
    gigafactory: str = "",
    mode: str = "",
    country: str = "",
    organisation_type: str = "",
    year: int | None = None,
) -> PublicAwardList:
    """Accepted grants (the application accepted, active or closed) as dictionaries of ``PUBLIC_FIELDS`` in
    ``PUBLIC_ORDER`` (newest period first, confidential awards last), read live. For a call whose awards are
    confidential only the organisation type and country leave the database; such rows also drop out as soon as a
    filter or search touches a hidden field, so a search cannot reveal them. A paginated page
    is four queries (count, the page's ids, their rows, their awards' publications)."""
    qs = Grant.objects.filter(status__in=ACCEPTED, application__status__in=PUBLIC_APPLICATION_STATUSES)
    if search or gigafactory or mode or year:
        qs = qs.filter(application__call__awards_confidential=False)
    if search:
        qs = qs.filter(
            Q(application__title__icontains=search)
            | Q(application__acronym__icontains=search)
            | Q(application__organisation__legal_name__icontains=search)
            | Q(application__organisation__short_name__icontains=search)
        )
    if gigafactory:
        qs = qs.filter(gigafactory__slug=gigafactory)
    if mode:
        qs = qs.filter(application__call__access_mode__code=mode)
    if country:
        qs = qs.filter(application__organisation__country=country)
    if organisation_type:
        qs = qs.filter(application__organisation__type=organisation_type)
    if year:
        qs = qs.filter(period__year=year)
    return PublicAwardList(_one_row_per_award(qs))


def public_filter_choices() -> dict:
    """Gigafactories, access modes and years that the register's filters offer. Three small queries."""
    return {
        "gigafactories": list(Gigafactory.objects.order_by("name").values_list("slug", "name")),
        "modes": list(AccessMode.objects.order_by("position", "name").values_list("code", "name")),
        "years": list(CapacityPeriod.objects.order_by("-year").values_list("year", flat=True).distinct()),
    }
