"""Stats API (the dashboards' numbers, same filters) and the public awards register as JSON.

``/api/v1/stats/overview/``, ``/stats/funnel/`` and ``/stats/distribution/`` are for allocation admins, call
managers and finance admins (others 403, anonymous 401); ``/api/v1/public/awards/`` is open to everybody.
Amounts are GPU-seconds (integers), rates permille, durations seconds.
"""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from allocations.dashboards import selectors
from allocations.dashboards.forms import AwardsFilterForm, FilterForm
from portal.api import StandardPagination
from portal.units import whole_gpu_hours


class IsDashboardReader(permissions.BasePermission):
    message = "Only allocation admins, call managers and finance admins can read the statistics."

    def has_permission(self, request, view) -> bool:
        return selectors.dashboard_access(request.user)


FILTER_PARAMETERS = [
    OpenApiParameter("gigafactory", OpenApiTypes.STR, description="Gigafactory slug"),
    OpenApiParameter("period", OpenApiTypes.STR, description="Quarter, e.g. 2027-Q1"),
    OpenApiParameter("call", OpenApiTypes.STR, description="Call slug"),
    OpenApiParameter("mode", OpenApiTypes.STR, description="Access mode code, e.g. large-scale"),
]


def _filters(request) -> selectors.Filters:
    form = FilterForm(request.query_params, choices=selectors.filter_choices())
    if not form.is_valid():
        raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return form.filters()


# --- serializers ---------------------------------------------------------------------------------------------


class OverviewRowSerializer(serializers.Serializer):
    period_id = serializers.IntegerField()
    gigafactory = serializers.CharField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    capacity_seconds = serializers.IntegerField(source="capacity")
    pooled_seconds = serializers.IntegerField(source="pooled")
    granted_seconds = serializers.IntegerField(source="granted")
    accepted_seconds = serializers.IntegerField(source="accepted")
    used_seconds = serializers.IntegerField(source="used")
    reclaimed_seconds = serializers.IntegerField(source="reclaimed")
    remaining_seconds = serializers.IntegerField(source="remaining")
    utilisation_permille = serializers.IntegerField(allow_null=True)
    burn_rate_seconds_per_day = serializers.IntegerField(source="burn_rate", allow_null=True)


class OverviewTotalSerializer(OverviewRowSerializer):
    period_id = None
    gigafactory = None
    year = None
    quarter = None
    burn_rate_seconds_per_day = None


class OverviewSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    rows = OverviewRowSerializer(many=True)
    total = OverviewTotalSerializer()


class FunnelRowSerializer(serializers.Serializer):
    call_id = serializers.IntegerField()
    call = serializers.CharField()
    cutoff_id = serializers.IntegerField(allow_null=True)
    cutoff_at = serializers.DateTimeField(allow_null=True)
    drafts = serializers.IntegerField()
    submitted = serializers.IntegerField()
    eligible = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    approved = serializers.IntegerField()
    offered = serializers.IntegerField()
    accepted = serializers.IntegerField()
    success_permille = serializers.IntegerField(allow_null=True)
    decision_p50_seconds = serializers.IntegerField(source="decision_p50", allow_null=True)
    decision_p90_seconds = serializers.IntegerField(source="decision_p90", allow_null=True)
    first_use_p50_seconds = serializers.IntegerField(source="first_use_p50", allow_null=True)
    first_use_p90_seconds = serializers.IntegerField(source="first_use_p90", allow_null=True)


class FunnelSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    rows = FunnelRowSerializer(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())
    success_permille = serializers.IntegerField(allow_null=True)


class ShareRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    grants = serializers.IntegerField()
    granted_seconds = serializers.IntegerField(source="granted")
    used_seconds = serializers.IntegerField(source="used")


class CallDemandSerializer(serializers.Serializer):
    call_id = serializers.IntegerField()
    call = serializers.CharField()
    requested_seconds = serializers.IntegerField(source="requested")
    granted_seconds = serializers.IntegerField(source="granted")
    oversubscription_permille = serializers.IntegerField(allow_null=True)


class DistributionSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    by_country = ShareRowSerializer(many=True)
    by_organisation_type = ShareRowSerializer(many=True)
    by_access_mode = ShareRowSerializer(many=True)
    by_ai_domain = ShareRowSerializer(many=True)
    total = ShareRowSerializer()
    startup_sme_granted_seconds = serializers.IntegerField(source="startup_sme_granted")
    startup_sme_permille = serializers.IntegerField(allow_null=True)
    demand = CallDemandSerializer(many=True)


class PublicPublicationSerializer(serializers.Serializer):
    doi = serializers.CharField()
    title = serializers.CharField()
    venue = serializers.CharField()
    year = serializers.IntegerField()


class PublicAwardSerializer(serializers.Serializer):
    """One accepted grant. For a call whose awards are confidential every field but the organisation type and
    country is null."""

    confidential = serializers.BooleanField()
    title = serializers.CharField(allow_null=True)
    acronym = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    country = serializers.CharField()
    organisation_type = serializers.CharField()
    gigafactory = serializers.CharField(source="gigafactory_name", allow_null=True)
    access_mode = serializers.CharField(allow_null=True)
    gpu_hours = serializers.SerializerMethodField()
    starts_on = serializers.DateField(source="period_start", allow_null=True)
    ends_on = serializers.DateField(source="period_end", allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    quarter = serializers.IntegerField(allow_null=True)
    publications = PublicPublicationSerializer(
        many=True, default=list, help_text="From the award's submitted final report; empty for confidential calls."
    )

    def get_gpu_hours(self, award) -> int | None:
        seconds = award["gpu_seconds"]
        return whole_gpu_hours(seconds)


# --- views -------------------------------------------------------------------------------------------------------


class StatsOverview(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDashboardReader]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OverviewSerializer, tags=["stats"])
    def get(self, request):
        """Capacity, pooled, granted, accepted, used, reclaimed and remaining GPU-seconds per Gigafactory and
        quarter, with utilisation and burn rate (the overview dashboard)."""
        return Response(OverviewSerializer(selectors.overview(filters=_filters(request))).data)


class StatsFunnel(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDashboardReader]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=FunnelSerializer, tags=["stats"])
    def get(self, request):
        """Applications per stage, success rate and decision / first-use times per call and cut-off."""
        return Response(FunnelSerializer(selectors.funnel(filters=_filters(request))).data)


class StatsDistribution(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDashboardReader]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=DistributionSerializer, tags=["stats"])
    def get(self, request):
        """Granted and used GPU-seconds by country, organisation type, access mode and AI domain; requested versus
        granted per call."""
        return Response(DistributionSerializer(selectors.distribution(filters=_filters(request))).data)


class PublicAwards(generics.ListAPIView):
    """The public awards register: accepted grants, newest period first, confidential awards last (no login)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = PublicAwardSerializer
    pagination_class = StandardPagination
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Search in title, acronym and organisation"),
            OpenApiParameter("gigafactory", OpenApiTypes.STR, description="Gigafactory slug"),
            OpenApiParameter("mode", OpenApiTypes.STR, description="Access mode code"),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO country code"),
            OpenApiParameter("organisation_type", OpenApiTypes.STR),
            OpenApiParameter("year", OpenApiTypes.INT),
        ],
        tags=["public"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        form = AwardsFilterForm(self.request.query_params, choices=selectors.public_filter_choices())
        if not form.is_valid():
            raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        return selectors.public_awards(**form.selector_kwargs())


urlpatterns = [
    path("stats/overview/", StatsOverview.as_view(), name="stats-overview"),
    path("stats/funnel/", StatsFunnel.as_view(), name="stats-funnel"),
    path("stats/distribution/", StatsDistribution.as_view(), name="stats-distribution"),
    path("public/awards/", PublicAwards.as_view(), name="public-awards"),
]


def register(router) -> None:
    """No viewsets: the stats and the register are plain views in ``urlpatterns``."""
