"""The app's pages: one URL module per context, mounted at the site root (URL names are not namespaced)."""

from django.urls import include, path

urlpatterns = [
    path("", include("allocations.applications.urls")),
    path("", include("allocations.applications.calls.urls")),
    path("", include("allocations.usage.urls")),
    path("", include("allocations.terms.urls")),
    path("", include("allocations.capacity.urls")),
    path("", include("allocations.postaward.reports.urls")),
    path("", include("allocations.postaward.changes.urls")),
    path("", include("allocations.dashboards.urls")),
]
