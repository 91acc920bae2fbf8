from django.contrib import admin

from .models import RosterImport


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["pk", "district", "file_name", "rows", "added", "imported_by", "created_at"]
    list_filter = ["district"]
    readonly_fields = ["district", "file_name", "rows", "added", "months", "imported_by", "run"]
