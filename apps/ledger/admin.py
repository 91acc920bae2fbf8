"""The special account changes only through apps.ledger.services: allocations are logged, entries
are append-only (a correction is a reversal), payments mark lines paid. The admin only reads."""

from django.contrib import admin

from apps.claims.admin import ReadOnlyAdmin

from .models import Allocation, LedgerEntry, Payment, PaymentLine


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["district", "year", "amount", "work_for_training_share", "living_allowance_share"]
    list_filter = ["year", "district"]
    list_select_related = ["district"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "allocation", "share", "kind", "amount", "claim_line", "reverses"]
    list_filter = ["kind", "share", "allocation__year"]
    list_select_related = ["allocation__district", "claim_line", "reverses"]


class PaymentLineInline(admin.TabularInline):
    model = PaymentLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ("claim_line", "amount")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "district", "paid_on", "amount", "created_by"]
    list_filter = ["district"]
    search_fields = ["reference"]
    list_select_related = ["district", "created_by"]
    inlines = [PaymentLineInline]
