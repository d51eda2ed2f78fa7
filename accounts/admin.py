from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Invitation, Membership, Organisation, RevocationReason, User
from accounts.tokens import credentials_changed
from audit.admin import AuditedAdminMixin
from audit.models import ObjectType


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    audit_object_type = ObjectType.USER
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "full_name", "orcid"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "orcid", "timezone")}),
        (
            _("Roles and permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:
            credentials_changed(obj, reason=RevocationReason.DEACTIVATED, request=request)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            credentials_changed(self.get_object(request, id), reason=RevocationReason.PASSWORD, request=request)
        return response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.ORGANISATION
    audit_inlines = {Membership: ObjectType.MEMBERSHIP}
    list_display = ["legal_name", "short_name", "country", "type", "vat_number", "pic", "created_at"]
    list_filter = ["type", "country"]
    search_fields = ["legal_name", "short_name", "vat_number", "pic"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_object_type = ObjectType.MEMBERSHIP
    list_display = ["organisation", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["organisation__legal_name", "user__email"]
    autocomplete_fields = ["organisation", "user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "created_at", "responded_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__legal_name"]
    raw_id_fields = ["organisation", "invited_by", "responded_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__email", "key_prefix"]
    readonly_fields = ["key_hash", "key_prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_reason"]
    raw_id_fields = ["user"]
