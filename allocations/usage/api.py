"""REST API of usage accounting (mounted under /api/v1/).

- ``POST /usage/records/``: a cluster pushes a JSON batch of finished jobs with ``Authorization: Cluster <key>``
  (only its own cluster's accounts: 403 otherwise); answered with the import report.
- ``GET /usage/records/?grant=&from=&to=``: records of the grants you may see (allocation admins: all).
- ``POST /usage/imports/`` (multipart: cluster, file, format): allocation admins upload a file; 202 with the
  import's URL, processed by a Celery task. ``GET /usage/imports/`` and ``/usage/imports/{id}/``: their reports.
- ``GET /grants/{id}/usage/``: daily series, totals and forecast, the same numbers as the grant page.
"""

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from allocations.capacity.selectors import admin_access
from allocations.models.capacity import Grant
from allocations.models.usage import Cluster, ImportFormat, UsageImport, UsageRecord
from allocations.usage import selectors, services
from allocations.usage.auth import ClusterTokenAuthentication, is_cluster
from portal.api import StandardPagination

# --- serializers ----------------------------------------------------------------------------------------------------


class UsageRecordSerializer(serializers.ModelSerializer):
    cluster = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = UsageRecord
        fields = [
            "id",
            "cluster",
            "job_id",
            "grant",
            "account",
            "user",
            "partition",
            "state",
            "start",
            "end",
            "day",
            "elapsed_seconds",
            "gpus",
            "gpu_seconds",
            "revision",
            "updated_at",
        ]


class RecordQuerySerializer(serializers.Serializer):
    grant = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": ["Choose a date on or after the start date."]})
        return attrs


class PushRecordSerializer(serializers.Serializer):
    """One job as a cluster sends it (documents the push body; ``allocations.usage.sacct`` parses it)."""

    job_id = serializers.CharField(help_text="The allocation's JobID, e.g. 123, 123_4 (array task), 123+0 (het).")
    account = serializers.CharField(help_text="Slurm account (the grant's).")
    user = serializers.CharField()
    start = serializers.DateTimeField(help_text="ISO 8601; without an offset, in the cluster's time zone.")
    end = serializers.DateTimeField()
    gpus = serializers.IntegerField(required=False, min_value=0, help_text="GPU count (or send alloc_tres).")
    alloc_tres = serializers.CharField(required=False, help_text="Slurm AllocTRES, e.g. cpu=64,gres/gpu=4.")
    elapsed = serializers.CharField(required=False, help_text="Seconds or [D-]HH:MM:SS; default end - start.")
    partition = serializers.CharField(required=False)
    state = serializers.CharField(required=False)
    cluster = serializers.CharField(required=False, help_text="If given, must be the token's cluster.")


class UsageImportSerializer(serializers.ModelSerializer):
    cluster = serializers.SlugRelatedField(slug_field="name", read_only=True)
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = UsageImport
        fields = [
            "id",
            "url",
            "page_url",
            "cluster",
            "source",
            "format",
            "original_name",
            "status",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "rows_skipped",
            "rows_new",
            "rows_replaced",
            "rows_unchanged",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, obj) -> str:
        return reverse("api:usage-import-detail", kwargs={"pk": obj.pk})

    def get_page_url(self, obj) -> str:
        return reverse("usage_import_detail", kwargs={"pk": obj.pk})


class UsageImportReportSerializer(UsageImportSerializer):
    rejects = serializers.SerializerMethodField()

    class Meta(UsageImportSerializer.Meta):
        fields = [*UsageImportSerializer.Meta.fields, "rejects"]

    def get_rejects(self, obj) -> list[dict]:
        return [{"line": line, "reason": reason, "detail": detail} for line, reason, detail in obj.rejects]


class UsageImportCreateSerializer(serializers.Serializer):
    cluster = serializers.SlugRelatedField(slug_field="name", queryset=Cluster.objects.all())
    file = serializers.FileField()
    format = serializers.ChoiceField(
        choices=[ImportFormat.SACCT, ImportFormat.CSV, ImportFormat.JSON], required=False, allow_blank=True, default=""
    )


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    used_seconds = serializers.IntegerField()
    cumulative_seconds = serializers.IntegerField()
    target_seconds = serializers.IntegerField()


class ForecastSerializer(serializers.Serializer):
    status = serializers.CharField()
    rate_seconds_per_day = serializers.IntegerField()
    window_days = serializers.IntegerField()
    runs_out_on = serializers.DateField(allow_null=True)


class GrantUsageSerializer(serializers.Serializer):
    grant = serializers.IntegerField(source="grant.pk")
    slurm_account = serializers.CharField(source="grant.slurm_account")
    starts_on = serializers.DateField(source="grant.starts_on")
    ends_on = serializers.DateField(source="grant.ends_on")
    granted_seconds = serializers.IntegerField()
    used_seconds = serializers.IntegerField()
    remaining_seconds = serializers.IntegerField()
    overuse_seconds = serializers.IntegerField()
    percent_used = serializers.IntegerField()
    posted_seconds = serializers.IntegerField(help_text="Usage posted to the GPU-second ledger.")
    ledger_balance_seconds = serializers.IntegerField(help_text="The grant's ledger balance: the remaining quota.")
    reclaimed_seconds = serializers.IntegerField()
    alerts = serializers.ListField(child=serializers.IntegerField(), help_text="Thresholds (%) alerted.")
    forecast = ForecastSerializer()
    days = DaySerializer(many=True)


# --- views ----------------------------------------------------------------------------------------------------------


def _require_admin(request, *, collection: bool = False) -> None:
    """Allocation admins pass; other users get 403 on collections, 403 (staff) or 404 (others) on objects."""
    if is_cluster(request.user):
        raise PermissionDenied("Cluster tokens can only push records.")
    access = admin_access(request.user)
    if access == "admin":
        return
    if access == "staff" or collection:
        raise PermissionDenied("Only allocation admins can do this.")
    raise Http404


class UsageRecordsView(APIView):
    """Read usage records (users) or push finished jobs (clusters, ``Authorization: Cluster <key>``)."""

    authentication_classes = [ClusterTokenAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    parser_classes = [JSONParser]
    pagination_class = StandardPagination  # GET answers pages (and documents them)

    @extend_schema(
        parameters=[
            OpenApiParameter("grant", int, description="Only this grant's records."),
            OpenApiParameter("from", str, description="First day charged (YYYY-MM-DD)."),
            OpenApiParameter("to", str, description="Last day charged (YYYY-MM-DD)."),
        ],
        responses={200: UsageRecordSerializer(many=True)},
    )
    def get(self, request):
        if is_cluster(request.user):
            raise PermissionDenied("Cluster tokens can only push records.")
        query = RecordQuerySerializer(
            data={
                key: value
                for key, value in (
                    ("grant", request.query_params.get("grant")),
                    ("date_from", request.query_params.get("from")),
                    ("date_to", request.query_params.get("to")),
                )
                if value not in (None, "")
            }
        )
        if not query.is_valid():
            names = {"date_from": "from", "date_to": "to"}
            raise ValidationError({names.get(k, k): v for k, v in query.errors.items()})
        grant = query.validated_data.get("grant")
        if grant is not None and not selectors.grants_visible(user=request.user).filter(pk=grant).exists():
            raise Http404
        records = selectors.records_for_user(
            user=request.user,
            grant=grant,
            date_from=query.validated_data.get("date_from"),
            date_to=query.validated_data.get("date_to"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(UsageRecordSerializer(page, many=True).data)

    @extend_schema(
        request=PushRecordSerializer(many=True),
        responses={200: UsageImportReportSerializer, 403: None},
        description=(
            'A JSON list of records (or {"records": [...]}), or the output of `sacct --json` as it is (Slurm 21.08 '
            "to 25.x), at most 10,000 records or jobs per request."
        ),
    )
    def post(self, request):
        if not is_cluster(request.user):
            raise PermissionDenied("Push records with a cluster token; upload files to /api/v1/usage/imports/.")
        data = request.data
        records = data.get("records") if isinstance(data, dict) and "jobs" not in data else data
        usage_import = services.usage_records_push(token=request.auth, records=records)
        return Response(UsageImportReportSerializer(usage_import).data, status=status.HTTP_200_OK)


class UsageImportsView(APIView):
    """Allocation admins: upload a sacct or CSV file (processed in the background) and list the imports."""

    parser_classes = [MultiPartParser]
    pagination_class = StandardPagination

    @extend_schema(responses={200: UsageImportSerializer(many=True)})
    def get(self, request):
        _require_admin(request, collection=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.imports_list(), request, view=self)
        return paginator.get_paginated_response(UsageImportSerializer(page, many=True).data)

    @extend_schema(request=UsageImportCreateSerializer, responses={202: UsageImportSerializer})
    def post(self, request):
        _require_admin(request, collection=True)
        data = UsageImportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        usage_import = services.usage_import_create(
            cluster=data.validated_data["cluster"],
            upload=data.validated_data["file"],
            fmt=data.validated_data.get("format") or "",
            by=request.user,
        )
        body = UsageImportSerializer(usage_import).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class UsageImportDetailView(APIView):
    @extend_schema(responses={200: UsageImportReportSerializer})
    def get(self, request, pk: int):
        _require_admin(request)
        try:
            usage_import = selectors.import_detail(pk=pk)
        except UsageImport.DoesNotExist:
            raise Http404 from None
        return Response(UsageImportReportSerializer(usage_import).data)


class GrantUsageView(APIView):
    """A grant's daily usage series, totals and exhaustion forecast (the grant page shows the same)."""

    @extend_schema(responses={200: GrantUsageSerializer})
    def get(self, request, pk: int):
        try:
            grant = selectors.grant_for_usage(user=request.user, pk=pk)
        except Grant.DoesNotExist:
            raise Http404 from None
        return Response(GrantUsageSerializer(selectors.grant_usage(grant=grant)).data)


urlpatterns = [
    path("usage/records/", UsageRecordsView.as_view(), name="usage-records"),
    path("usage/imports/", UsageImportsView.as_view(), name="usage-imports"),
    path("usage/imports/<int:pk>/", UsageImportDetailView.as_view(), name="usage-import-detail"),
    path("grants/<int:pk>/usage/", GrantUsageView.as_view(), name="grant-usage"),
]


def register(router) -> None:
    """Plain views only (``urlpatterns``); nothing on the shared router."""
