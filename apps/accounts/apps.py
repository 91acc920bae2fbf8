from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from apps.core.home import register_nav

        from .permissions import ACCOUNT_MANAGERS

        register_nav("账号管理", "accounts:user_list", ACCOUNT_MANAGERS, order=90)
