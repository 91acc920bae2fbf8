from django.contrib import admin

from .models import Employer, Institution, InstitutionOccupation, InstitutionYear


class RecognitionInline(admin.TabularInline):
    model = InstitutionOccupation
    extra = 0
    can_delete = False
    readonly_fields = ["occupation", "level", "recognised_on"]

    def has_add_permission(self, request, obj=None):
        return False


class YearInline(admin.TabularInline):
    model = InstitutionYear
    extra = 0
    can_delete = False
    readonly_fields = ["year", "evaluation_score", "plan_quota"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    """Status, high-skill base, recognitions and yearly plans change only through the services
    (apps.institutions.services), which check who may and write the state-change log; here they
    are read-only."""

    list_display = ["name", "uscc", "kind", "district", "status"]
    list_filter = ["kind", "status", "district"]
    search_fields = ["name", "uscc"]
    filter_horizontal = ["members"]
    readonly_fields = ["status", "high_skill_base"]
    inlines = [RecognitionInline, YearInline]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "district", "is_classified", "parent"]
    list_filter = ["district", "is_classified"]
    search_fields = ["name", "uscc"]
    filter_horizontal = ["members"]
