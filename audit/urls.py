from django.urls import path

from audit import views

urlpatterns = [
    path("staff/audit/", views.audit_event_list, name="audit_events"),
]
