from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("staff/ledger/", views.overview, name="overview"),
    path("staff/ledger/transfers/", views.transfer_list, name="transfer_list"),
    path("staff/ledger/transfers/<uuid:pk>/reverse/", views.transfer_reverse, name="transfer_reverse"),
    path("staff/ledger/record/<slug:kind>/", views.contribution_record, name="contribution_record"),
    path("staff/ledger/open/<uuid:pk>/post/", views.pending_post, name="pending_post"),
    path("staff/ledger/open/<uuid:pk>/void/", views.pending_void, name="pending_void"),
    path("ledger/partners/", views.partner_list, name="partner_list"),
    path("ledger/partners/<int:pk>/statement/", views.partner_statement, name="partner_statement"),
    path("ledger/partners/<int:pk>/statement.csv", views.partner_statement_csv, name="partner_statement_csv"),
]
