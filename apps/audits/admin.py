from django.contrib import admin

from apps.claims.admin import ReadOnlyAdmin

from .models import AuditChunk, AuditFinding, AuditRun


class AuditChunkInline(admin.TabularInline):
    model = AuditChunk
    extra = 0
    can_delete = False
    fields = readonly_fields = ("phase", "kind", "lo", "hi", "rows", "done_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AuditRun)
class AuditRunAdmin(ReadOnlyAdmin):
    """Runs change only through apps.audits.services (and their tasks); the admin reads them."""

    list_display = [
        "pk",
        "scope",
        "district",
        "claim",
        "status",
        "findings_count",
        "started_by",
        "created_at",
    ]
    list_filter = ["scope", "status", "district"]
    list_select_related = ["district", "started_by"]
    inlines = [AuditChunkInline]


@admin.register(AuditFinding)
class AuditFindingAdmin(ReadOnlyAdmin):
    list_display = ["pk", "run", "rule", "subject", "district", "change", "status"]
    list_filter = ["rule", "change", "status", "district"]
    list_select_related = ["run", "district"]
    search_fields = ["subject"]
