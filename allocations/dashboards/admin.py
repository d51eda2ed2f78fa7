"""Admin of the dashboards' summary tables (read-only: the refresh task writes them)."""

from django.contrib import admin

from allocations.models.dashboards import DashboardRefresh, GrantUsageSummary


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GrantUsageSummary)
class GrantUsageSummaryAdmin(ReadOnlyAdmin):
    list_display = ["grant", "used_seconds", "first_used_on", "last_used_on", "refreshed_at"]
    list_filter = ["refreshed_at", "first_used_on"]
    search_fields = ["grant__slurm_account", "grant__application__reference", "grant__application__title"]
    raw_id_fields = ["grant"]


@admin.register(DashboardRefresh)
class DashboardRefreshAdmin(ReadOnlyAdmin):
    list_display = ["finished_at", "trigger", "grants", "duration_ms"]
    list_filter = ["trigger", "finished_at"]
    search_fields = ["trigger"]
