from django.contrib import admin

from .models import Employer, Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "kind", "district", "status"]
    list_filter = ["kind", "status", "district"]
    search_fields = ["name", "uscc"]
    filter_horizontal = ["members"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "district", "is_classified", "parent"]
    list_filter = ["district", "is_classified"]
    search_fields = ["name", "uscc"]
    filter_horizontal = ["members"]
