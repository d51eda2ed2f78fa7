"""Django admin of change requests: read-only (requests move only through the workflow's service, which applies
the change and keeps the ledger in step)."""

from django.contrib import admin

from allocations.capacity.admin import ReadOnlyAdmin
from allocations.models.changes import ChangeRequest, ChangeRequestEvent


class ChangeRequestEventInline(admin.TabularInline):
    model = ChangeRequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "action", "from_status", "to_status", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "grant", "kind", "status", "requested_by", "created_at", "decided_at"]
    list_filter = ["kind", "status"]
    search_fields = ["grant__application__reference", "grant__slurm_account"]
    inlines = [ChangeRequestEventInline]
