from django.urls import path

from allocations.postaward.changes import views

urlpatterns = [
    path("grants/<int:pk>/changes/new/<slug:change_kind>/", views.change_request_new, name="change_request_new"),
    path("changes/<int:pk>/", views.change_request_detail, name="change_request_detail"),
    path("changes/<int:pk>/act/", views.change_request_act, name="change_request_act"),
    path("staff/changes/", views.staff_change_request_list, name="staff_change_request_list"),
    path("staff/changes/<int:pk>/", views.staff_change_request_detail, name="staff_change_request_detail"),
]
