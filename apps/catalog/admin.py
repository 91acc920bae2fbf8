from django.contrib import admin

from .models import District, DistrictSetting, Occupation, RateRow


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "major_category", "is_new", "new_published_on", "is_assessment_type"]
    list_filter = ["major_category", "is_new", "is_assessment_type"]
    search_fields = ["code", "name"]


@admin.register(RateRow)
class RateRowAdmin(admin.ModelAdmin):
    """Read-only here: rate rows change through the portal pages, which check the rules and log."""

    list_display = [
        "district",
        "occupation",
        "major_category",
        "level",
        "standard",
        "rate",
        "class_hours",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["district", "level"]
    list_select_related = ["district", "occupation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DistrictSetting)
class DistrictSettingAdmin(admin.ModelAdmin):
    list_display = ["district", "key", "value", "effective_from", "effective_to"]
    list_filter = ["district", "key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
