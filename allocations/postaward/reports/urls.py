from django.urls import path

from allocations.postaward.reports import views

urlpatterns = [
    path("final-reports/<int:pk>/", views.final_report, name="final_report"),
    path("staff/final-reports/", views.staff_final_reports, name="staff_final_reports"),
    path("staff/final-reports/<int:pk>/", views.staff_final_report, name="staff_final_report"),
]
