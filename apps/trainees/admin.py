"""Read-only admin for the registry and rosters: changes go through the services (checks and
the state-change log). ID numbers and phones are shown masked here too; revealing one is a
logged action of the portal's person page."""

from django.contrib import admin

from apps.core.masking import mask_id_number, mask_phone

from .models import Enrolment, Person, PersonalDataView, PersonGroup


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PersonGroupInline(admin.TabularInline):
    model = PersonGroup
    extra = 0
    can_delete = False
    readonly_fields = ["group"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "masked_id_number", "gender", "masked_phone", "household_region", "created_at"]
    list_filter = ["gender"]
    # By name only: a search is a GET, and an ID number typed there would end up in URLs and logs.
    search_fields = ["name"]
    fields = readonly_fields = (
        "name",
        "masked_id_number",
        "gender",
        "masked_phone",
        "household_region",
        "created_at",
    )
    inlines = [PersonGroupInline]

    @admin.display(description="身份证号码")
    def masked_id_number(self, obj: Person) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["training_class", "person", "relation", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["training_class__name", "person__name"]
    list_select_related = ["training_class", "person"]
    fields = readonly_fields = (
        "training_class",
        "person",
        "relation",
        "status",
        "warnings",
        "created_at",
        "updated_at",
    )


@admin.register(PersonalDataView)
class PersonalDataViewAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "viewer", "person", "purpose"]
    list_filter = ["purpose"]
    list_select_related = ["viewer", "person"]
    fields = readonly_fields = ("created_at", "viewer", "person", "purpose")
