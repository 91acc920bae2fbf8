from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import PasswordReset, User
from .services import user_unlock


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "district", "is_active", "last_login"]
    list_filter = ["role", "district", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["district"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (
            "角色与范围",
            {
                "fields": [
                    "full_name",
                    "role",
                    "district",
                    "phone",
                    "must_change_password",
                ]
            },
        ),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("角色与范围", {"fields": ["full_name", "role", "district"]}),
    ]
    actions = ["unlock"]

    @admin.action(description="解除登录锁定（所有地址）")
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        pairs = sum(user_unlock(username=user.username) for user in queryset)
        self.message_user(
            request,
            f"已解除 {queryset.count()} 个账号的登录锁定（清除 {pairs} 条失败计数）",
            messages.SUCCESS,
        )


@admin.register(PasswordReset)
class PasswordResetAdmin(admin.ModelAdmin):
    """The reset log, read-only (resets are made on the portal's 账号管理 page)."""

    list_display = ["created_at", "user", "actor"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__username", "actor__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PasswordReset | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PasswordReset | None = None) -> bool:
        return False
