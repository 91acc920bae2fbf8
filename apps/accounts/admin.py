from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import LoginFailure, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "district", "is_active", "last_login"]
    list_filter = ["role", "district", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["district"]
    filter_horizontal = ["engaged_districts", "groups", "user_permissions"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        ("角色与范围", {"fields": ["full_name", "role", "district", "engaged_districts", "phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("角色与范围", {"fields": ["full_name", "role", "district"]}),
    ]


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Deleting a user's rows unlocks the account."""

    list_display = ["username", "ip_address", "created_at"]
    search_fields = ["username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
