from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from apps.accounts.models import Role

        from .home import register_nav

        register_nav("首页", "core:home", Role.values, order=0)
