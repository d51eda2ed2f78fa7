from django.urls import path

from privacy import views

urlpatterns = [
    path("profile/data/", views.data_rights, name="data_rights"),
    path("profile/data/export/", views.data_export, name="data_export"),
    path("profile/data/erase/", views.account_erase, name="account_erase"),
]
