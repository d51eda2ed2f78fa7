"""Django admin of the terms of access: drafts are edited and published through the services (the same checks and
audit event as ``/staff/terms/``); published versions and acceptances are read-only (the database refuses changes)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from allocations.models.terms import TermsAcceptance, TermsStatus, TermsVersion
from allocations.terms import services
from portal.admin import ReadOnlyAdmin

TEXTS = ["title", "body", "title_de", "body_de", "title_fr", "body_fr", "changes"]


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "gigafactory", "number", "status", "published_at"]
    list_filter = ["kind", "status", "gigafactory"]
    search_fields = ["title", "body"]
    actions = ["publish"]

    def get_fields(self, request, obj=None):
        return ["kind", "gigafactory", *TEXTS] if obj is None else [*TEXTS, "status", "published_at", "published_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status == TermsStatus.DRAFT:
            return ["status", "published_at", "published_by"]
        return [*TEXTS, "status", "published_at", "published_by"]

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == TermsStatus.DRAFT

    def save_model(self, request, obj, form, change):
        texts = {name: form.cleaned_data.get(name, getattr(obj, name)) for name in TEXTS}
        try:
            if change:
                saved = services.terms_version_update(version_id=obj.pk, by=request.user, **texts)
            else:
                saved = services.terms_version_create(
                    kind=obj.kind, gigafactory=obj.gigafactory, by=request.user, **texts
                )
        except (ValidationError, PermissionDenied) as exc:
            raise PermissionDenied(" ".join(getattr(exc, "messages", [str(exc)])))
        obj.pk, obj.number = saved.pk, saved.number

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request, queryset):
        published = 0
        for version in queryset.filter(status=TermsStatus.DRAFT).order_by("pk"):
            try:
                services.terms_version_publish(version_id=version.pk, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{version}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
            else:
                published += 1
        if published:
            self.message_user(
                request, ngettext("%(n)d version published.", "%(n)d versions published.", published) % {"n": published}
            )


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "accepted_at", "language"]
    list_filter = ["version__kind", "version__gigafactory"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "version", "version__gigafactory"]
