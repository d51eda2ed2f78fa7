"""Admin: partners, the fund and tranches are edited here; accounts and the journal are read-only (counters and
transfers change only through ``ledger.services.transfers_create``)."""

from django.contrib import admin

from ledger.models import Account, Fund, Ledger, Partner, Tranche, Transfer
from portal.admin import ReadOnlyAdmin


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "created_at"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "contact_users__email"]
    filter_horizontal = ["contact_users"]


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["name", "size_cents", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name"]
    inlines = [TrancheInline]


@admin.register(Tranche)
class TrancheAdmin(admin.ModelAdmin):
    list_display = ["name", "fund", "kind", "target_cents", "expected_return_bp", "risk_rank"]
    list_filter = ["kind", "fund"]
    search_fields = ["name", "fund__name"]
    filter_horizontal = ["eligible_partners"]


@admin.register(Ledger)
class LedgerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit"]
    list_filter = ["unit"]
    search_fields = ["code", "name"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "ledger",
        "code",
        "owner_kind",
        "debits_pending",
        "debits_posted",
        "credits_pending",
        "credits_posted",
    ]
    list_filter = ["ledger", "code", "owner_kind", "debits_must_not_exceed_credits", "credits_must_not_exceed_debits"]
    search_fields = ["name", "partner__name", "tranche__name", "owner_ref"]
    list_select_related = ["ledger"]
    raw_id_fields = ["partner", "tranche"]

    def get_readonly_fields(self, request, obj=None):
        # The ledger and the flags of an account in use are part of its history.
        base = ["debits_pending", "debits_posted", "credits_pending", "credits_posted", "created_at"]
        return [*base, "ledger", "debits_must_not_exceed_credits", "credits_must_not_exceed_debits"] if obj else base

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "code",
        "amount",
        "debit_account",
        "credit_account",
        "pending",
        "post_pending",
        "void_pending",
        "created_by",
    ]
    list_filter = ["code", "ledger", "pending", "post_pending", "void_pending", "created_at"]
    search_fields = ["id", "user_data", "debit_account__name", "credit_account__name"]
    list_select_related = ["debit_account", "credit_account", "created_by"]
    date_hierarchy = "created_at"
