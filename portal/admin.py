"""Shared Django admin pieces (nothing is registered here)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only or service-written rows: listed and readable in the admin, never added, changed or deleted
    there (the database guards refuse it anyway; the admin does not offer it)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
