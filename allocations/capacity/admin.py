"""Django admin of capacity periods, pools, allocation runs, results and grants: read-mostly (amounts move only
through the services, which keep the GPU-second ledger in step)."""

from django.contrib import admin

from allocations.models.capacity import AllocationResult, AllocationRun, CapacityPeriod, Grant, Pool


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CapacityPeriod)
class CapacityPeriodAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "gigafactory", "year", "quarter", "accelerators", "capacity_seconds", "entitlements_on"]
    list_filter = ["year", "quarter", "gigafactory"]
    search_fields = ["gigafactory__name"]


@admin.register(Pool)
class PoolAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "access_mode", "partner", "share_bp", "size_seconds"]
    list_filter = ["kind", "access_mode", "period__year"]
    search_fields = ["partner__name", "access_mode__name", "period__gigafactory__name"]


class AllocationResultInline(admin.TabularInline):
    model = AllocationResult
    extra = 0
    can_delete = False
    readonly_fields = [
        "position",
        "application",
        "rank",
        "requested_seconds",
        "minimum_seconds",
        "granted_seconds",
        "outcome",
        "reason",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "pool", "policy", "status", "attempts", "created_by", "created_at", "granted_seconds"]
    list_filter = ["status", "policy"]
    search_fields = ["pool__period__gigafactory__name", "created_by__email", "inputs_hash"]
    inlines = [AllocationResultInline]


@admin.register(AllocationResult)
class AllocationResultAdmin(ReadOnlyAdmin):
    list_display = ["run", "position", "application", "requested_seconds", "granted_seconds", "outcome"]
    list_filter = ["outcome", "reason"]
    search_fields = ["application__reference", "application__title"]


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["slurm_account", "application", "gigafactory", "period", "granted_seconds", "status", "respond_by"]
    list_filter = ["status", "gigafactory"]
    search_fields = ["slurm_account", "application__reference", "application__title"]
