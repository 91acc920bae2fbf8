from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "apps.exports"
    verbose_name = "数据导出"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav, register_panel

        from .home import exports_panel
        from .permissions import EXPORTERS

        register_nav("数据导出", "exports:index", EXPORTERS, order=16)
        register_panel(
            "exports/panels/exports.html", [Role.AUDITOR, Role.MUNICIPAL_ADMIN], exports_panel, order=9
        )
