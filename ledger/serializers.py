from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ledger.engine import INT64_MAX
from ledger.models import Account, Ledger, Partner, Transfer, TransferCode
from ledger.services import MAX_BATCH


class AccountSerializer(serializers.ModelSerializer):
    ledger = serializers.CharField(source="ledger.code", read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "ledger",
            "code",
            "name",
            "owner_kind",
            "partner",
            "tranche",
            "owner_ref",
            "debits_must_not_exceed_credits",
            "credits_must_not_exceed_debits",
            "debits_pending",
            "debits_posted",
            "credits_pending",
            "credits_posted",
            "created_at",
        ]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    ledger = serializers.CharField(source="ledger.code", read_only=True, help_text="The ledger's code, e.g. EUR.")

    class Meta:
        model = Transfer
        fields = [
            "id",
            "debit_account",
            "credit_account",
            "amount",
            "ledger",
            "code",
            "pending",
            "post_pending",
            "void_pending",
            "linked",
            "pending_id",
            "timeout",
            "user_data",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


@extend_schema_serializer(deprecate_fields=["ledger_id"])
class TransferInSerializer(serializers.Serializer):
    """One transfer of a batch. For post/void, accounts, ledger and amount may be omitted (taken from the pending
    transfer; amount 0 posts the whole pending amount)."""

    id = serializers.UUIDField(help_text="Client-supplied id; a retry with the same id and fields moves nothing.")
    debit_account_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=INT64_MAX)
    credit_account_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=INT64_MAX)
    amount = serializers.IntegerField(required=False, default=0, min_value=0, max_value=INT64_MAX)
    ledger = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Ledger.objects.all(),
        required=False,
        allow_null=True,
        help_text="The ledger's code, as accounts show it (EUR, GPU); default: the accounts' ledger.",
    )
    ledger_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=INT64_MAX,
        help_text="Deprecated: the ledger's numeric id; send `ledger` (its code) instead.",
    )
    code = serializers.ChoiceField(choices=TransferCode.choices)
    pending = serializers.BooleanField(required=False, default=False)
    post_pending = serializers.BooleanField(required=False, default=False)
    void_pending = serializers.BooleanField(required=False, default=False)
    linked = serializers.BooleanField(required=False, default=False)
    pending_id = serializers.UUIDField(required=False, allow_null=True)
    timeout = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**31 - 1)
    user_data = serializers.CharField(required=False, default="", allow_blank=True, max_length=255)

    def validate(self, attrs):
        ledger = attrs.pop("ledger", None)
        if ledger is not None:
            if attrs.get("ledger_id") not in (None, ledger.pk):
                raise serializers.ValidationError({"ledger_id": [_("ledger and ledger_id name different ledgers.")]})
            attrs["ledger_id"] = ledger.pk
        return attrs


class TransferBatchSerializer(serializers.Serializer):
    transfers = TransferInSerializer(many=True, min_length=1, max_length=MAX_BATCH)


class TransferResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.UUIDField()
    result = serializers.CharField()


class TransferBatchResultSerializer(serializers.Serializer):
    results = TransferResultSerializer(many=True)


class TransferFilterSerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, min_value=1, max_value=INT64_MAX)
    code = serializers.ChoiceField(required=False, choices=TransferCode.choices)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def to_internal_value(self, data):
        # ``from`` and ``to`` are the public query names (reserved words in Python).
        data = {k: v for k, v in data.items() if k in ("account", "code", "from", "to")}
        if "from" in data:
            data["date_from"] = data.pop("from")
        if "to" in data:
            data["date_to"] = data.pop("to")
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = {{"date_from": "from", "date_to": "to"}.get(k, k): v for k, v in exc.detail.items()}
            raise serializers.ValidationError(detail)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": "The end date must not be before the start date."})
        return attrs


class PartnerSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True, help_text="ISO code; empty for the EU")

    class Meta:
        model = Partner
        fields = ["id", "name", "kind", "country"]
        read_only_fields = fields


class StatementLineSerializer(serializers.Serializer):
    transfer_id = serializers.UUIDField(source="transfer.pk")
    created_at = serializers.DateTimeField(source="transfer.created_at")
    code = serializers.CharField(source="transfer.code")
    account = serializers.IntegerField(source="account.pk")
    user_data = serializers.CharField(source="transfer.user_data")
    pending = serializers.IntegerField(help_text="Change of the open balance, euro cents.")
    posted = serializers.IntegerField(help_text="Change of the paid-in balance, euro cents.")
    balance = serializers.IntegerField(help_text="Paid-in balance after this movement, euro cents.")


class StatementSerializer(serializers.Serializer):
    partner = PartnerSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    opening_posted = serializers.IntegerField()
    opening_pending = serializers.IntegerField()
    lines = StatementLineSerializer(many=True)
    closing_posted = serializers.IntegerField()
    closing_pending = serializers.IntegerField()


class EntitlementSerializer(serializers.Serializer):
    partner = PartnerSerializer()
    paid_in = serializers.IntegerField(help_text="Posted contributions, euro cents.")
    share_bp = serializers.IntegerField(help_text="Share of all paid-in contributions in basis points.")
