from django.urls import path

from allocations.dashboards import views

urlpatterns = [
    path("staff/dashboards/", views.dashboard, {"page": "overview"}, name="dashboards_overview"),
    path("staff/dashboards/funnel/", views.dashboard, {"page": "funnel"}, name="dashboards_funnel"),
    path("staff/dashboards/distribution/", views.dashboard, {"page": "distribution"}, name="dashboards_distribution"),
    path("staff/dashboards/fund/", views.dashboard, {"page": "fund"}, name="dashboards_fund"),
    path("staff/dashboards/reviewers/", views.dashboard, {"page": "reviewers"}, name="dashboards_reviewers"),
    path("awards/", views.awards, name="awards"),
]
