"""Admin of final reports: read-only (the PI writes them through the form or the API, services keep the rules)."""

from django.contrib import admin

from allocations.models.reports import FinalReport, FinalReportReminder, Publication, ReleasedOutput
from portal.admin import ReadOnlyAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PublicationInline(ReadOnlyInline):
    model = Publication
    fields = ["position", "doi", "title", "venue", "year"]


class ReleasedOutputInline(ReadOnlyInline):
    model = ReleasedOutput
    fields = ["position", "kind", "title", "url", "licence"]


class ReminderInline(ReadOnlyInline):
    model = FinalReportReminder
    fields = ["kind", "due_on", "sent_at"]
    readonly_fields = ["sent_at"]


@admin.register(FinalReport)
class FinalReportAdmin(ReadOnlyAdmin):
    list_display = ["award", "due_on", "status", "submitted_at"]
    list_filter = ["status", "due_on"]
    search_fields = ["award__application__reference", "award__application__title"]
    raw_id_fields = ["award", "submitted_by"]
    inlines = [PublicationInline, ReleasedOutputInline, ReminderInline]
