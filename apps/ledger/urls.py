from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.ledger_balances, name="balances"),
    path("allocations/", views.allocation_list, name="allocations"),
    path("allocations/transfer/", views.allocation_transfer, name="allocation_transfer"),
    path("performance/", views.district_performance, name="performance"),
    path("entries/", views.entry_list, name="entries"),
    path("entries/<id:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("lines/<id:pk>/recover/", views.line_recover, name="line_recover"),
    path("recoveries/", views.recovery_list, name="recoveries"),
    path("recoveries/<id:pk>/returned/", views.recovery_returned, name="recovery_returned"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("reconciliation/", views.reconciliation_page, name="reconciliation"),
    # Final approval of a claim books the special account, so it is the ledger's.
    path("claims/<id:pk>/approve/", views.claim_approve, name="claim_approve"),
]
