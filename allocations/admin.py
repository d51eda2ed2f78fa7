from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationType
from allocations.models import (
    AccessMode,
    Application,
    ApplicationEvent,
    ApplicationMember,
    Attachment,
    Call,
    CallCutoff,
    DraftReminder,
    Gigafactory,
    ReferenceCounter,
    RubricCriterion,
)
from audit.admin import AuditedAdminMixin
from audit.models import ObjectType
from portal.admin import ReadOnlyAdmin


@admin.register(Gigafactory)
class GigafactoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "host_country",
        "site",
        "accelerator_model",
        "accelerator_count",
        "availability_percent",
        "status",
    ]
    list_filter = ["status", "host_country"]
    search_fields = ["name", "site", "accelerator_model"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AccessMode)
class AccessModeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "min_request_gpu_hours",
        "max_request_gpu_hours",
        "max_duration_months",
        "reviewers_required",
        "right_to_reply",
    ]
    list_filter = ["right_to_reply", "reviewers_required"]
    search_fields = ["name", "code"]


class CallCutoffInline(admin.TabularInline):
    model = CallCutoff
    extra = 1


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


class CallAdminForm(forms.ModelForm):
    eligible_organisation_types = forms.MultipleChoiceField(
        label=_("Eligible organisation types"),
        choices=OrganisationType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every type."),
    )

    class Meta:
        model = Call
        exclude: list[str] = []


@admin.register(Call)
class CallAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.CALL
    form = CallAdminForm
    list_display = ["title", "access_mode", "status", "opens_at", "is_continuous", "max_applications_per_organisation"]
    list_filter = ["status", "access_mode", "is_continuous", "gigafactories"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["gigafactories"]
    inlines = [CallCutoffInline, RubricCriterionInline]


@admin.register(CallCutoff)
class CallCutoffAdmin(admin.ModelAdmin):
    list_display = ["call", "at"]
    list_filter = ["call__access_mode", "call"]
    search_fields = ["call__title"]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "call", "weight", "threshold", "position"]
    list_filter = ["call__access_mode"]
    search_fields = ["name", "call__title"]


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "action", "from_status", "to_status", "comment"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class ApplicationMemberInline(admin.TabularInline):
    model = ApplicationMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Statuses change only through the workflow (services), never by editing here."""

    list_display = ["__str__", "title", "organisation", "call", "status", "requested_gpu_hours", "submitted_at"]
    list_filter = ["status", "call__access_mode", "call", "ai_domain"]
    search_fields = ["reference", "title", "acronym", "organisation__legal_name", "pi__email"]
    raw_id_fields = ["organisation", "created_by", "pi", "call", "cutoff", "preferred_gigafactory"]
    readonly_fields = ["status", "reference", "submitted_at", "cutoff", "created_at", "updated_at"]
    inlines = [ApplicationMemberInline, ApplicationEventInline]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    """Append-only: readable, never editable or deletable."""

    list_display = ["application", "action", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["action", "to_status"]
    search_fields = ["application__reference", "actor__email", "comment"]


@admin.register(ApplicationMember)
class ApplicationMemberAdmin(admin.ModelAdmin):
    list_display = ["email", "application", "role", "user"]
    list_filter = ["role"]
    search_fields = ["email", "application__reference", "application__title"]
    raw_id_fields = ["application", "user"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "application", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "application__reference", "sha256"]
    raw_id_fields = ["application", "uploaded_by"]
    readonly_fields = ["file", "sha256", "size", "uploaded_at"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "last_number"]
    list_filter = ["year"]
    search_fields = ["year"]
    readonly_fields = ["year", "last_number"]


@admin.register(DraftReminder)
class DraftReminderAdmin(admin.ModelAdmin):
    list_display = ["application", "cutoff", "kind", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["application__title", "application__organisation__legal_name"]
    raw_id_fields = ["application", "cutoff"]


# The contexts register the admin classes of their models in their own modules.
from allocations.capacity import admin as capacity_admin  # noqa: E402, F401
from allocations.dashboards import admin as dashboard_admin  # noqa: E402, F401
from allocations.postaward.changes import admin as change_admin  # noqa: E402, F401
from allocations.postaward.reports import admin as report_admin  # noqa: E402, F401
from allocations.terms import admin as terms_admin  # noqa: E402, F401
from allocations.usage import admin as usage_admin  # noqa: E402, F401
