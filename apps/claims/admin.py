from django.contrib import admin

from .models import Claim, ClaimLine, ClaimMaterial


class ReadOnlyAdmin(admin.ModelAdmin):
    """Claims (and the ledger, apps.ledger.admin) change only through the services, which quote
    every line, check who may act and log each change; the admin shows them read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "person",
        "share",
        "amount",
        "decision",
        "decision_rule",
        "decision_reason",
        "rules_version",
    )

    def has_add_permission(self, request, obj=None):
        return False


class ClaimMaterialInline(admin.TabularInline):
    model = ClaimMaterial
    extra = 0
    can_delete = False
    fields = readonly_fields = ("kind", "original_name", "size", "content_type", "uploaded_by", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "kind",
        "district",
        "year",
        "institution",
        "employer",
        "status",
        "total",
        "approved_total",
    ]
    list_filter = ["kind", "status", "district"]
    search_fields = ["institution__name", "employer__name"]
    list_select_related = ["district", "institution", "employer"]
    inlines = [ClaimLineInline, ClaimMaterialInline]
