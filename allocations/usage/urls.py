from django.urls import path

from allocations.usage import views

urlpatterns = [
    path("staff/usage/", views.usage_imports, name="usage_imports"),
    path("staff/usage/imports/<int:pk>/", views.usage_import_detail, name="usage_import_detail"),
    path("staff/usage/imports/<int:pk>/progress/", views.usage_import_progress, name="usage_import_progress"),
    path("staff/usage/imports/<int:pk>/rejects.csv", views.usage_import_rejects, name="usage_import_rejects"),
    path("staff/usage/clusters/", views.usage_clusters, name="usage_clusters"),
    path("staff/usage/clusters/<slug:name>/", views.cluster_provisioning, name="cluster_provisioning"),
    path("grants/<int:pk>/usage/", views.grant_usage, name="grant_usage"),
    path("grants/<int:pk>/team/", views.grant_team, name="grant_team"),
    path("grants/<int:pk>/sacctmgr/<slug:cluster>.sh", views.grant_sacctmgr_script, name="grant_sacctmgr_script"),
    path("profile/cluster-user-names/", views.cluster_usernames, name="cluster_usernames"),
]
