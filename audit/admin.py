"""The Django admin writes the audit trail too: ``AuditedAdminMixin`` on every admin that edits audited records,
and a read-only view of the trail for superusers."""

from django.contrib import admin

from audit.models import AuditEvent
from audit.services import SECRET_FIELDS, jsonable, record
from portal.admin import ReadOnlyAdmin


def form_changes(form, *, created: bool) -> dict:
    """What the admin form changed, ``{field: [old, new]}`` (new records: every filled field)."""
    names = [name for name in (form.changed_data if not created else form.cleaned_data) if name not in SECRET_FIELDS]
    changes = {}
    for name in names:
        new = jsonable(form.cleaned_data.get(name))
        if created:
            if new not in (None, "", []):
                changes[name] = [None, new]
        else:
            changes[name] = [jsonable(form.initial.get(name)), new]
    return changes


class AuditedAdminMixin:
    """For a ``ModelAdmin``: ``audit_object_type`` names the record; inlines listed in ``audit_inlines`` (model ->
    object type) are audited with their parent's save."""

    audit_object_type: str = ""
    audit_inlines: dict = {}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action=f"{self.audit_object_type}.{'changed' if change else 'created'}",
            object_type=self.audit_object_type,
            object_id=obj.pk,
            object_label=str(obj),
            changes=form_changes(form, created=not change),
        )

    def delete_model(self, request, obj):
        object_id, label = obj.pk, str(obj)
        super().delete_model(request, obj)
        self._record_deleted(request, self.audit_object_type, object_id, label)

    def delete_queryset(self, request, queryset):
        gone = [(obj.pk, str(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for object_id, label in gone:
            self._record_deleted(request, self.audit_object_type, object_id, label)

    def save_formset(self, request, form, formset, change):
        object_type = self.audit_inlines.get(formset.model)
        if object_type is None:
            return super().save_formset(request, form, formset, change)
        deleted = [(f.instance.pk, str(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        edited = [f for f in formset.forms if f.has_changed() and f not in formset.deleted_forms]
        created = {id(f) for f in edited if f.instance.pk is None}
        result = super().save_formset(request, form, formset, change)
        for inline_form in edited:
            is_new = id(inline_form) in created
            record(
                actor=request.user,
                action=f"{object_type}.{'created' if is_new else 'changed'}",
                object_type=object_type,
                object_id=inline_form.instance.pk,
                object_label=str(inline_form.instance),
                changes=form_changes(inline_form, created=is_new),
            )
        for object_id, label in deleted:
            self._record_deleted(request, object_type, object_id, label)
        return result

    @staticmethod
    def _record_deleted(request, object_type, object_id, label):
        record(
            actor=request.user,
            action=f"{object_type}.deleted",
            object_type=object_type,
            object_id=object_id,
            object_label=label,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_label"]
    list_filter = ["object_type", "action"]
    search_fields = ["object_id", "object_label", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
