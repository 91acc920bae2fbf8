from django.contrib import admin

from .models import Inspection, InspectionDraw


@admin.register(InspectionDraw)
class InspectionDrawAdmin(admin.ModelAdmin):
    list_display = ["district", "week_start", "rate", "sessions_total", "seed", "drawn_by"]
    list_filter = ["district"]
    readonly_fields = ["district", "week_start", "seed", "rate", "sessions_total", "inputs", "drawn_by"]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["pk", "district", "session", "training_class", "stratum", "inspector", "status"]
    list_filter = ["status", "stratum", "district"]
    raw_id_fields = ["draw", "session", "training_class", "inspector", "run"]
