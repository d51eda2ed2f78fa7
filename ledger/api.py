"""/api/v1/ledger/...: finance admins read everything and write transfers; partner contacts read their own
accounts, transfers, statement and entitlement; anybody else gets 404."""

from django.core.exceptions import PermissionDenied as WriteRefused
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger import selectors
from ledger.boundary import finance_transfers_create
from ledger.forms import DateRangeForm
from ledger.models import Partner
from ledger.serializers import (
    AccountSerializer,
    EntitlementSerializer,
    StatementSerializer,
    TransferBatchResultSerializer,
    TransferBatchSerializer,
    TransferFilterSerializer,
    TransferSerializer,
)


def _require_reader(user) -> None:
    if not (selectors.is_finance_admin(user) or selectors.is_partner_contact(user)):
        raise NotFound()


class LedgerReaderMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _require_reader(request.user)


class AccountViewSet(LedgerReaderMixin, viewsets.ReadOnlyModelViewSet):
    """Ledger accounts with their counters (euro cents or GPU-seconds)."""

    serializer_class = AccountSerializer

    def get_queryset(self):
        return selectors.accounts_for_user(user=self.request.user)


@extend_schema(
    parameters=[
        OpenApiParameter("account", OpenApiTypes.INT, description="Transfers debiting or crediting this account"),
        OpenApiParameter("code", OpenApiTypes.STR, description="pledge, payment, guarantee, in_kind, reversal, ..."),
        OpenApiParameter("from", OpenApiTypes.DATE, description="Created on or after this day"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Created on or before this day"),
    ]
)
class TransferViewSet(LedgerReaderMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The journal (newest first) and the batch write path."""

    serializer_class = TransferSerializer
    filter_backends: list = []

    def get_queryset(self):
        filters = TransferFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.transfers_for_user(user=self.request.user, **filters.validated_data)

    @extend_schema(request=TransferBatchSerializer, responses={200: TransferBatchResultSerializer})
    def create(self, request, *args, **kwargs):
        """Apply a batch of up to 8,190 transfers atomically per linked chain; one result per transfer.

        Idempotent by transfer id: sending the same batch again answers `exists` for each transfer and moves
        nothing. Results follow TigerBeetle's codes (`ok`, `exists`, `exceeds_credits`, `linked_event_failed`...).
        Only the EUR ledger and the finance flows' codes (pledge, payment, guarantee, in_kind, reversal) are
        accepted; any other ledger or code is 403 with the reason, and nothing of the batch is written.
        """
        if not selectors.is_finance_admin(request.user):
            raise PermissionDenied(_("Only finance admins can write to the ledger."))
        batch = TransferBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        try:
            results = finance_transfers_create(transfers=batch.validated_data["transfers"], by=request.user)
        except WriteRefused as refused:
            raise PermissionDenied(str(refused)) from refused
        body = {"results": [{"index": r.index, "id": r.id, "result": r.result.value} for r in results]}
        return Response(TransferBatchResultSerializer(body).data, status=status.HTTP_200_OK)


@extend_schema(
    parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 1 January of this year)"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: today)"),
    ],
    responses=StatementSerializer,
)
class PartnerStatementView(APIView):
    """A partner's opening balance, movements and closing balance between two days (euro cents)."""

    def get(self, request, pk: int):
        try:
            partner = selectors.partner_for_reader(user=request.user, pk=pk)
        except Partner.DoesNotExist:
            raise NotFound()
        form = DateRangeForm({"date_from": request.query_params.get("from"), "date_to": request.query_params.get("to")})
        if not form.is_valid():
            names = {"date_from": "from", "date_to": "to"}
            raise ValidationError({names.get(k, k): v for k, v in form.errors.items()})
        statement = selectors.partner_statement(
            partner=partner, date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
        )
        return Response(StatementSerializer(statement).data)


@extend_schema(
    responses={200: EntitlementSerializer(many=True), 404: OpenApiResponse(description="Not a ledger reader.")}
)
class EntitlementListView(APIView):
    """Each partner's share of paid-in contributions in basis points (largest remainder, summing to 10,000).

    Finance admins get every partner; a partner contact only its own partners' rows."""

    def get(self, request):
        _require_reader(request.user)
        partners = None if selectors.is_finance_admin(request.user) else selectors.partners_for_user(user=request.user)
        return Response(EntitlementSerializer(selectors.entitlements(partners=partners), many=True).data)


urlpatterns = [
    path("ledger/partners/<int:pk>/statement/", PartnerStatementView.as_view(), name="ledger-partner-statement"),
    path("ledger/entitlements/", EntitlementListView.as_view(), name="ledger-entitlements"),
]


def register(router) -> None:
    router.register("ledger/accounts", AccountViewSet, basename="ledger-account")
    router.register("ledger/transfers", TransferViewSet, basename="ledger-transfer")
