from django.urls import path

from allocations.capacity import views

urlpatterns = [
    path("staff/allocation/", views.capacity_home, name="capacity_home"),
    path("staff/allocation/commitments/", views.commitments, name="capacity_commitments"),
    path("staff/allocation/periods/new/", views.period_create, name="capacity_period_create"),
    path("staff/allocation/periods/<int:pk>/", views.period_detail, name="capacity_period_detail"),
    path("staff/allocation/pools/<int:pool_pk>/runs/", views.run_create, name="capacity_run_create"),
    path("staff/allocation/pools/<int:pool_pk>/fill/", views.waitlist_fill, name="capacity_waitlist_fill"),
    path("staff/allocation/runs/<int:pk>/", views.run_detail, name="capacity_run_detail"),
    path("staff/allocation/runs/<int:pk>/status/", views.run_status, name="capacity_run_status"),
    path(
        "staff/allocation/runs/<int:pk>/commit/", views.run_decide, {"decision": "commit"}, name="capacity_run_commit"
    ),
    path(
        "staff/allocation/runs/<int:pk>/discard/",
        views.run_decide,
        {"decision": "discard"},
        name="capacity_run_discard",
    ),
    path("partner/awards/", views.partner_awards, name="partner_awards"),
    path("partner/pools/<int:partner_pool_pk>/award/", views.partner_award_create, name="partner_award_create"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("grants/<int:pk>/respond/", views.grant_respond, name="grant_respond"),
]
