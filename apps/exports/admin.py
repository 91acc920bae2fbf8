"""The export log, read-only: jobs change only through apps.exports.services."""

from django.contrib import admin

from apps.claims.admin import ReadOnlyAdmin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "created_at",
        "requested_by",
        "kind",
        "status",
        "row_count",
        "finished_at",
        "expires_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["requested_by__username", "description"]
    list_select_related = ["requested_by"]
    exclude = ["file"]
