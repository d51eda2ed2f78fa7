"""REST API of capacity allocation (mounted under /api/v1/): capacity periods, pools, allocation runs, grants
and awards.

Periods and runs: allocation admins (other platform staff get 403, everybody else 404). Pools: allocation and
finance admins, and partner contacts for their partners' pools. Grants: members of the application's organisation;
only the PI may accept or decline. The same services as the pages, so the same checks and messages.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from allocations.capacity import selectors, services
from allocations.capacity.api_awards import AwardSerializer, AwardViewSet, DirectAwardSerializer
from allocations.capacity.selectors.awards import application_id_by_reference
from allocations.capacity.services.direct import may_award_from, require_mfa
from allocations.models import Gigafactory
from allocations.models.capacity import (
    POLICY_CHOICES,
    AllocationResult,
    AllocationRun,
    CapacityPeriod,
    Grant,
    Pool,
)
from allocations.terms.services import TermsNotAccepted
from portal.api import error_body

# --- serializers --------------------------------------------------------------------------------------------------


class PoolSerializer(serializers.ModelSerializer):
    period = serializers.PrimaryKeyRelatedField(read_only=True)
    access_mode = serializers.SlugRelatedField(slug_field="code", read_only=True)
    partner = serializers.StringRelatedField(allow_null=True, help_text="Null for the open-access pools.")
    balance_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Pool
        fields = ["id", "period", "kind", "access_mode", "partner", "share_bp", "size_seconds", "balance_seconds"]

    def get_balance_seconds(self, pool) -> int:
        return selectors.pool_balance(pool.account)


class CapacityPeriodSerializer(serializers.ModelSerializer):
    gigafactory = serializers.SlugRelatedField(slug_field="slug", queryset=Gigafactory.objects.all())
    accelerators = serializers.IntegerField(required=False, min_value=1)
    availability_percent = serializers.IntegerField(required=False, min_value=1, max_value=100)
    reserve_percent = serializers.IntegerField(min_value=0, max_value=99)
    capacity_hours = serializers.IntegerField(read_only=True)
    pools = PoolSerializer(many=True, read_only=True)

    class Meta:
        model = CapacityPeriod
        fields = [
            "id",
            "gigafactory",
            "year",
            "quarter",
            "starts_on",
            "ends_on",
            "accelerators",
            "availability_percent",
            "reserve_percent",
            "gross_seconds",
            "reserve_seconds",
            "capacity_seconds",
            "capacity_hours",
            "entitlements_on",
            "pools",
        ]
        read_only_fields = [
            "starts_on",
            "ends_on",
            "gross_seconds",
            "reserve_seconds",
            "capacity_seconds",
            "entitlements_on",
        ]
        validators: list = []  # uniqueness is checked by the service, with its own message


class ResultSerializer(serializers.ModelSerializer):
    explanation = serializers.CharField(read_only=True)

    class Meta:
        model = AllocationResult
        fields = [
            "application",
            "position",
            "rank",
            "requested_seconds",
            "minimum_seconds",
            "granted_seconds",
            "outcome",
            "explanation",
        ]


class AllocationRunSerializer(serializers.ModelSerializer):
    pool = serializers.PrimaryKeyRelatedField(queryset=Pool.objects.all())
    policy = serializers.ChoiceField(choices=POLICY_CHOICES)
    url = serializers.SerializerMethodField()
    unallocated_seconds = serializers.IntegerField(read_only=True)

    class Meta:
        model = AllocationRun
        fields = [
            "id",
            "url",
            "pool",
            "policy",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "inputs_hash",
            "capacity_seconds",
            "granted_seconds",
            "unallocated_seconds",
            "error",
            "decided_at",
        ]
        read_only_fields = [f for f in fields if f not in ("pool", "policy")]

    def get_url(self, run) -> str:
        return reverse("api:allocation-run-detail", kwargs={"pk": run.pk})


class AllocationRunDetailSerializer(AllocationRunSerializer):
    results = serializers.SerializerMethodField()

    class Meta(AllocationRunSerializer.Meta):
        fields = [*AllocationRunSerializer.Meta.fields, "results"]

    def get_results(self, run) -> list[dict]:
        rows = selectors.run_results(run=run)
        return ResultSerializer(selectors.with_explanations(rows, count=len(rows)), many=True).data


class GrantSerializer(serializers.ModelSerializer):
    application = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    gigafactory = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = serializers.StringRelatedField()
    granted_hours = serializers.IntegerField(read_only=True)

    class Meta:
        model = Grant
        fields = [
            "id",
            "application",
            "gigafactory",
            "period",
            "granted_seconds",
            "granted_hours",
            "slurm_account",
            "starts_on",
            "ends_on",
            "status",
            "offered_at",
            "respond_by",
            "responded_at",
        ]


# --- views --------------------------------------------------------------------------------------------------------


def require_admin(user) -> None:
    access = selectors.admin_access(user)
    if access == "staff":
        raise PermissionDenied("Only allocation admins can use this endpoint.")
    if not access:
        raise NotFound()


class AdminOnlyMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_admin(request.user)


class CapacityPeriodViewSet(
    AdminOnlyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Capacity periods (one per Gigafactory and quarter) with their pools. POST posts the capacity to the ledger."""

    serializer_class = CapacityPeriodSerializer

    def get_queryset(self):
        return selectors.periods_list()

    @extend_schema(responses={201: CapacityPeriodSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CapacityPeriodSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        period = services.period_create(
            gigafactory=data["gigafactory"],
            year=data["year"],
            quarter=data["quarter"],
            accelerators=data.get("accelerators"),
            availability_percent=data.get("availability_percent"),
            reserve_percent=data["reserve_percent"],
            by=request.user,
        )
        period = selectors.period_detail(pk=period.pk)
        return Response(CapacityPeriodSerializer(period).data, status=status.HTTP_201_CREATED)


class PoolViewSet(viewsets.ReadOnlyModelViewSet):
    """Pools of capacity periods, with their size and what is still free (GPU-seconds)."""

    serializer_class = PoolSerializer

    def get_queryset(self):
        return selectors.pools_for_user(user=self.request.user)

    @extend_schema(
        request=DirectAwardSerializer,
        responses={
            201: AwardSerializer,
            400: OpenApiResponse(description="Bad input, or refused by the ledger (the pool would be overdrawn)"),
            404: OpenApiResponse(description="Not a partner pool you may award from"),
        },
    )
    @action(detail=True, methods=["post"], url_path="awards")
    def award(self, request, pk=None):
        """A partner's contact (session or token that passed MFA), or an allocation admin on the partner's behalf,
        awards hours from the partner's pool with a justification: the same slices and offer as a run's award."""
        pool = self.get_object()
        if not may_award_from(request.user, pool):
            raise NotFound()  # finance admins read every pool but award from none
        require_mfa(request.user)
        serializer = DirectAwardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            award = services.award_direct(
                pool_id=pool.pk,
                application_id=application_id_by_reference(data["application"]) or 0,
                hours=data["hours"],
                justification=data["justification"],
                by=request.user,
            )
        except Pool.DoesNotExist:
            raise NotFound()
        award = selectors.awards_for_user(user=request.user).get(pk=award.pk)
        return Response(AwardSerializer(award).data, status=status.HTTP_201_CREATED)


class AllocationRunViewSet(
    AdminOnlyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Allocation runs: POST queues a what-if run of a pool (202 with its URL); GET shows its status and, once
    computed, one row per application with its explanation; commit or discard it."""

    def get_queryset(self):
        return selectors.runs_for_admin()

    def get_serializer_class(self):
        return AllocationRunDetailSerializer if self.action == "retrieve" else AllocationRunSerializer

    @extend_schema(request=AllocationRunSerializer, responses={202: AllocationRunSerializer})
    def create(self, request, *args, **kwargs):
        serializer = AllocationRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.run_create(
            pool=serializer.validated_data["pool"], policy=serializer.validated_data["policy"], by=request.user
        )
        url = reverse("api:allocation-run-detail", kwargs={"pk": run.pk})
        return Response(AllocationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})

    @extend_schema(
        request=None,
        responses={200: AllocationRunSerializer, 400: OpenApiResponse(description="Not committable (stale inputs)")},
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        run = services.run_commit(run_id=self.get_object().pk, by=request.user)
        return Response(AllocationRunSerializer(run).data)

    @extend_schema(request=None, responses={200: AllocationRunSerializer})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        run = services.run_discard(run_id=self.get_object().pk, by=request.user)
        return Response(AllocationRunSerializer(run).data)


class GrantViewSet(viewsets.ReadOnlyModelViewSet):
    """Grants and offers of your organisations' applications. The PI accepts or declines an offer."""

    serializer_class = GrantSerializer

    def get_queryset(self):
        return selectors.grants_for_user(user=self.request.user)

    def _answer(self, accept: bool) -> Response:
        grant = self.get_object()
        try:
            services.offer_respond(grant_id=grant.pk, accept=accept, by=self.request.user)
        except TermsNotAccepted as exc:
            body = error_body(" ".join(exc.messages), "terms_not_accepted")
            return Response(body | {"terms": [str(v.pk) for v in exc.versions]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(GrantSerializer(self.get_queryset().get(pk=grant.pk)).data)

    @extend_schema(
        request=None,
        responses={
            200: GrantSerializer,
            400: OpenApiResponse(
                description="Not answerable; `terms_not_accepted` lists under `terms` the ids of the terms versions "
                "to accept first (POST /api/v1/terms-acceptances/)."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(True)

    @extend_schema(request=None, responses={200: GrantSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._answer(False)


urlpatterns: list = []


def register(router) -> None:
    """Register this module's viewsets on the shared /api/v1/ router."""
    router.register("capacity-periods", CapacityPeriodViewSet, basename="capacity-period")
    router.register("pools", PoolViewSet, basename="pool")
    router.register("allocation-runs", AllocationRunViewSet, basename="allocation-run")
    router.register("grants", GrantViewSet, basename="grant")
    router.register("awards", AwardViewSet, basename="award")
