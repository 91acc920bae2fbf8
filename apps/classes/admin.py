from django.contrib import admin

from .models import ClassSession, TrainingClass


class ClassSessionInline(admin.TabularInline):
    model = ClassSession
    extra = 0
    can_delete = False
    readonly_fields = ["date", "start_time", "end_time", "mode", "topic"]


@admin.register(TrainingClass)
class TrainingClassAdmin(admin.ModelAdmin):
    """Read-only: classes change through the portal's services, which check the rules and log."""

    list_display = [
        "name",
        "institution",
        "district",
        "occupation",
        "level",
        "status",
        "submitted_at",
        "approved_on",
    ]
    list_filter = ["status", "district", "training_type"]
    search_fields = ["name", "institution__name"]
    list_select_related = ["institution", "district", "occupation"]
    inlines = [ClassSessionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
