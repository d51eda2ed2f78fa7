"""Django admin of usage accounting. Records, summaries, alerts and reclaims are written by the import merge and
the reclaim job only, so they are read-only here; clusters are editable, tokens revocable (keys are never shown)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocations.models.usage import (
    Cluster,
    ClusterToken,
    UsageAlert,
    UsageDaily,
    UsageImport,
    UsageImportEvent,
    UsageReclaim,
    UsageRecord,
    UsageRecordRevision,
)
from portal.admin import ReadOnlyAdmin


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "gigafactory", "timezone", "created_at"]
    list_filter = ["gigafactory"]
    search_fields = ["name", "gigafactory__name"]


@admin.action(description=_("Revoke the selected tokens"))
def revoke_tokens(modeladmin, request, queryset):
    queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(ClusterToken)
class ClusterTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "cluster", "key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["cluster", "revoked_at"]
    search_fields = ["name", "key_prefix", "cluster__name"]
    readonly_fields = ["cluster", "name", "key_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = [revoke_tokens]

    def has_add_permission(self, request):
        return False  # keys are issued on the staff page, where they are shown once


class UsageImportEventInline(admin.TabularInline):
    model = UsageImportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "note"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(UsageImport)
class UsageImportAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "cluster",
        "source",
        "format",
        "status",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "created_at",
    ]
    list_filter = ["status", "source", "format", "cluster"]
    search_fields = ["original_name", "cluster__name", "created_by__email"]
    exclude = ["rejects"]
    inlines = [UsageImportEventInline]


@admin.register(UsageImportEvent)
class UsageImportEventAdmin(ReadOnlyAdmin):
    list_display = ["usage_import", "from_status", "to_status", "note", "created_at"]
    list_filter = ["to_status"]
    search_fields = ["note"]


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = ["job_id", "cluster", "account", "user", "day", "gpus", "gpu_seconds", "revision"]
    list_filter = ["cluster", "day"]
    search_fields = ["job_id", "account", "user"]
    list_select_related = ["cluster"]


@admin.register(UsageRecordRevision)
class UsageRecordRevisionAdmin(ReadOnlyAdmin):
    list_display = ["record", "revision", "account", "gpu_seconds", "delta_seconds", "replaced_at"]
    list_filter = ["replaced_at"]
    search_fields = ["record__job_id", "account"]


@admin.register(UsageDaily)
class UsageDailyAdmin(ReadOnlyAdmin):
    list_display = ["grant", "day", "gpu_seconds", "posted_seconds", "jobs"]
    list_filter = ["day"]
    search_fields = ["grant__slurm_account"]


@admin.register(UsageAlert)
class UsageAlertAdmin(ReadOnlyAdmin):
    list_display = ["grant", "threshold", "used_seconds", "granted_seconds", "created_at"]
    list_filter = ["threshold"]
    search_fields = ["grant__slurm_account"]


@admin.register(UsageReclaim)
class UsageReclaimAdmin(ReadOnlyAdmin):
    list_display = ["grant", "period", "to_pool", "amount_seconds", "created_at"]
    list_filter = ["period"]
    search_fields = ["grant__slurm_account"]
