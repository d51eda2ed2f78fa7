from django.urls import path

from allocations.usage import views

urlpatterns = [
    path("staff/usage/", views.usage_imports, name="usage_imports"),
    path("staff/usage/imports/<int:pk>/", views.usage_import_detail, name="usage_import_detail"),
    path("staff/usage/imports/<int:pk>/progress/", views.usage_import_progress, name="usage_import_progress"),
    path("staff/usage/imports/<int:pk>/rejects.csv", views.usage_import_rejects, name="usage_import_rejects"),
    path("staff/usage/clusters/", views.usage_clusters, name="usage_clusters"),
    path("grants/<int:pk>/usage/", views.grant_usage, name="grant_usage"),
]
