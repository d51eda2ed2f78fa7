from django.urls import path

from allocations.terms import views

urlpatterns = [
    path("terms/", views.terms_current, name="terms_current"),
    path("terms/accept/", views.terms_accept, name="terms_accept"),
    path("terms/versions/<int:pk>/", views.terms_version, name="terms_version"),
    path("staff/terms/", views.staff_home, name="terms_staff_home"),
    path("staff/terms/new/", views.staff_create, name="terms_staff_create"),
    path("staff/terms/<int:pk>/", views.staff_version, name="terms_staff_version"),
    path("staff/terms/<int:pk>/edit/", views.staff_edit, name="terms_staff_edit"),
    path("staff/terms/<int:pk>/publish/", views.staff_publish, name="terms_staff_publish"),
]
