"""Admin of the review stage. Audit rows (events, rank moves) and submitted reviews are read-only here too."""

from django.contrib import admin

from portal.admin import ReadOnlyAdmin
from reviews.models import (
    DeclaredConflict,
    EligibilityCheck,
    PanelDecision,
    RankMove,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewEvent,
    ReviewReminder,
    RightToReply,
)


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "max_load_per_call", "is_available", "updated_at"]
    search_fields = ["user__email", "user__full_name", "organisation__legal_name", "keywords"]
    list_filter = ["is_available", "max_load_per_call"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(admin.ModelAdmin):
    list_display = ["reviewer", "organisation", "reason", "created_at"]
    search_fields = ["reviewer__email", "organisation__legal_name"]
    list_filter = ["created_at"]
    autocomplete_fields = ["reviewer", "organisation"]


@admin.register(EligibilityCheck)
class EligibilityCheckAdmin(ReadOnlyAdmin):
    list_display = ["application", "outcome", "checked_by", "checked_at"]
    search_fields = ["application__reference", "application__title", "reason"]
    list_filter = ["outcome", "software_runs", "scaling_adequate", "checked_at"]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "reviewer", "status", "due_on", "assigned_by", "created_at"]
    search_fields = ["application__reference", "reviewer__email", "reviewer__full_name"]
    list_filter = ["status", "due_on", "application__call"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "version", "status", "submitted_at", "updated_at"]
    search_fields = ["assignment__application__reference", "assignment__reviewer__email"]
    list_filter = ["status", "version"]


@admin.register(RightToReply)
class RightToReplyAdmin(ReadOnlyAdmin):
    list_display = ["application", "opened_at", "deadline", "replied_at", "closed_at"]
    search_fields = ["application__reference", "text"]
    list_filter = ["deadline", "replied_at"]


@admin.register(RankMove)
class RankMoveAdmin(ReadOnlyAdmin):
    list_display = ["application", "position", "moved_by", "created_at"]
    search_fields = ["application__reference", "justification"]
    list_filter = ["created_at"]


@admin.register(PanelDecision)
class PanelDecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "decision", "rank", "decided_by", "decided_at"]
    search_fields = ["application__reference", "justification"]
    list_filter = ["decision", "decided_at"]


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "kind", "sent_at"]
    search_fields = ["assignment__application__reference", "assignment__reviewer__email"]
    list_filter = ["kind", "sent_at"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "application", "actor"]
    search_fields = ["application__reference", "actor__email"]
    list_filter = ["kind", "created_at"]
