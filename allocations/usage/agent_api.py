"""The site agent's API (mounted under /api/v1/), authenticated with the cluster's token (``Cluster <key>``).

- ``GET clusters/{name}/desired-state/``: the Slurm accounts the portal wants on the cluster, with an ``ETag``
  (``If-None-Match`` answers 304 when nothing changed). Allocation admins may read it too.
- ``POST clusters/{name}/provisioning-reports/``: one agent run's actions with their outcome, and the drift left.
- ``GET clusters/{name}/usage-cursor/``: where the next usage window starts (cluster local time, as ``sacct -S``
  reads it); ``POST`` ``{"until": ...}`` once the window's jobs are pushed to ``usage/records/``.

A token only reaches its own cluster: another cluster's name is a 404.
"""

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from allocations.capacity.selectors import is_allocation_admin
from allocations.models.usage import Cluster
from allocations.usage import provisioning
from allocations.usage.auth import ClusterTokenAuthentication, is_cluster
from allocations.usage.services import provisioning as services

ACTION_STATUSES = ("applied", "unchanged", "failed", "planned")


def _cluster(request, name: str, *, read: bool = False) -> Cluster:
    """The cluster of the URL if the token is that cluster's (allocation admins may read any)."""
    if is_cluster(request.user):
        if request.user.cluster.name != name:
            raise Http404
        return request.user.cluster
    if read and is_allocation_admin(request.user):
        return get_object_or_404(Cluster, name=name)
    raise PermissionDenied("Use the cluster's token (Authorization: Cluster <key>).")


class DesiredAccountSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    organization = serializers.CharField()
    gpu_minutes = serializers.IntegerField(help_text="GrpTRESMins=gres/gpu=N: cumulative GPU-minutes allowed.")
    users = serializers.ListField(child=serializers.CharField())
    pending_terms = serializers.ListField(
        child=serializers.CharField(),
        help_text="Team members withheld from users until they accept the current terms of access and the "
        "Gigafactory's acceptable-use policy (not to be created; shown for the site's staff).",
    )


class DesiredStateSerializer(serializers.Serializer):
    cluster = serializers.CharField()
    prefix = serializers.CharField(help_text="The agent manages only the Slurm accounts with this prefix.")
    version = serializers.CharField()
    accounts = DesiredAccountSerializer(many=True)


class ActionReportSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    account = serializers.CharField(max_length=64)
    user = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    command = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    status = serializers.ChoiceField(choices=ACTION_STATUSES)
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class DriftSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    account = serializers.CharField(max_length=64)
    user = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    command = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ProvisioningReportSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    agent_version = serializers.CharField(max_length=32, allow_blank=True, required=False, default="")
    actions = ActionReportSerializer(many=True)
    drift = DriftSerializer(many=True, required=False, default=list)
    accounts = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=list,
        help_text="The portal's accounts present on the cluster after the run.",
    )


class CursorSerializer(serializers.Serializer):
    until = serializers.CharField(
        max_length=40, help_text="End of the window pushed (ISO 8601); without an offset, cluster local time."
    )

    def validate_until(self, value: str) -> dt.datetime:
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise serializers.ValidationError("Send a date and time such as 2027-01-15T10:00:00.") from None


class DesiredStateView(APIView):
    authentication_classes = [ClusterTokenAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]

    @extend_schema(
        parameters=[OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, description="The last ETag.")],
        responses={200: DesiredStateSerializer, 304: None},
    )
    def get(self, request, name: str):
        cluster = _cluster(request, name, read=True)
        version, content = provisioning.desired_state_json(cluster=cluster)
        etag = f'"{version}"'
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return HttpResponse(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        # Encoded once by the selector (10,000 accounts are a few MB): no second pass through a renderer.
        return HttpResponse(content, content_type="application/json", headers={"ETag": etag})


class ProvisioningReportsView(APIView):
    authentication_classes = [ClusterTokenAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    parser_classes = [JSONParser]

    @extend_schema(request=ProvisioningReportSerializer, responses={201: None})
    def post(self, request, name: str):
        cluster = _cluster(request, name)
        data = ProvisioningReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.provisioning_report_record(cluster=cluster, report=data.validated_data)
        return Response({"id": report.pk, "failed": report.failed}, status=status.HTTP_201_CREATED)


class UsageCursorView(APIView):
    authentication_classes = [ClusterTokenAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    parser_classes = [JSONParser]

    @extend_schema(responses={200: CursorSerializer})
    def get(self, request, name: str):
        cluster = _cluster(request, name, read=True)
        since = provisioning.usage_since(cluster=cluster)
        return Response({"since": provisioning.local_naive(cluster, since)})

    @extend_schema(request=CursorSerializer, responses={200: CursorSerializer})
    def post(self, request, name: str):
        cluster = _cluster(request, name)
        data = CursorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        until = data.validated_data["until"]
        if timezone.is_naive(until):
            until = until.replace(tzinfo=provisioning.zone(cluster))
        pushed = services.usage_cursor_advance(cluster=cluster, until=until.astimezone(dt.UTC))
        return Response({"until": provisioning.local_naive(cluster, pushed)})


urlpatterns = [
    path("clusters/<slug:name>/desired-state/", DesiredStateView.as_view(), name="cluster-desired-state"),
    path(
        "clusters/<slug:name>/provisioning-reports/",
        ProvisioningReportsView.as_view(),
        name="cluster-provisioning-reports",
    ),
    path("clusters/<slug:name>/usage-cursor/", UsageCursorView.as_view(), name="cluster-usage-cursor"),
]


def register(router) -> None:
    """Plain views only (``urlpatterns``)."""
