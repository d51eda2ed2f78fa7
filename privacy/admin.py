from django.contrib import admin

from privacy.models import Erasure


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """Read-only: erasures happen only through the person's own request."""

    list_display = ["__str__", "user", "erased_at"]
    ordering = ["-erased_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
