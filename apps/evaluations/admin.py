from django.contrib import admin

from .models import AgencyEvaluation


@admin.register(AgencyEvaluation)
class AgencyEvaluationAdmin(admin.ModelAdmin):
    list_display = ["agency", "district", "quarter", "grade", "evaluated_by", "created_at"]
    list_filter = ["grade", "quarter"]
    readonly_fields = ["agency", "district", "quarter", "grade", "comment", "figures", "evaluated_by"]
