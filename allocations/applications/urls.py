from django.urls import path

from allocations.applications import call_pages, team_views, views

urlpatterns = [
    path("calls/", call_pages.call_list, name="call_list"),
    path("calls/<slug:slug>/", call_pages.call_detail, name="call_detail"),
    path("calls/<slug:slug>/apply/", call_pages.call_apply, name="call_apply"),
    path("applications/", views.application_dashboard, name="application_dashboard"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/print/", views.application_print, name="application_print"),
    path("applications/<int:pk>/edit/<str:section>/", views.application_section, name="application_section"),
    path("applications/<int:pk>/team/invite/", team_views.team_member_invite, name="team_member_invite"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
]
