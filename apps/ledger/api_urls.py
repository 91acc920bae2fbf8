from django.urls import path

from . import apis

urlpatterns = [
    path("ledger/balances", apis.BalancesApi.as_view(), name="api-ledger-balances"),
    path("ledger/allocations", apis.AllocationsApi.as_view(), name="api-ledger-allocations"),
    path("ledger/entries", apis.EntriesApi.as_view(), name="api-ledger-entries"),
    path("ledger/entries/<id:pk>/reversal", apis.EntryReversalApi.as_view(), name="api-ledger-reversal"),
    path("ledger/lines/<id:pk>/recovery", apis.LineRecoveryApi.as_view(), name="api-ledger-line-recovery"),
    path("ledger/recoveries", apis.RecoveriesApi.as_view(), name="api-ledger-recoveries"),
    path(
        "ledger/recoveries/<id:pk>/returned",
        apis.RecoveryReturnedApi.as_view(),
        name="api-ledger-recovery-returned",
    ),
    path("ledger/payments", apis.PaymentsApi.as_view(), name="api-ledger-payments"),
    path("ledger/reconciliation", apis.ReconciliationApi.as_view(), name="api-ledger-reconciliation"),
    # Final approval books the special account, so it is the ledger's.
    path("claims/<id:pk>/approve", apis.ClaimApproveApi.as_view(), name="api-claim-approve"),
]
