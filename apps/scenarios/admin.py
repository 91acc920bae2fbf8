from django.contrib import admin

from .models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["pk", "name", "district", "year", "status", "lines_done", "lines_changed", "created_by"]
    list_filter = ["status", "year"]
    readonly_fields = [f.name for f in Scenario._meta.fields]
