from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "apps.scenarios"
    verbose_name = "政策测算推演"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav

        register_nav(
            "测算推演",
            "scenarios:list",
            [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR],
            order=18,
        )
