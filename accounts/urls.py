from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/members/", views.organisation_members, name="organisation_members"),
    path("organisations/<int:pk>/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("organisations/<int:pk>/members/<int:membership_pk>/role/", views.membership_update, name="membership_update"),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/", views.membership_remove, name="membership_remove"
    ),
    path("staff/", views.staff_home, name="staff_home"),
    path("invitations/<str:token>/", views.invitation_respond, name="invitation_respond"),
]
