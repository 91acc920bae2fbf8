from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    verbose_name = "基础目录"

    def ready(self) -> None:
        from apps.core.home import register_nav, register_panel

        from .home import PANEL_ROLES, district_rates_panel

        register_nav("补贴标准", "catalog:district_list", PANEL_ROLES, order=20)
        register_nav("职业目录", "catalog:occupation_list", PANEL_ROLES, order=30)
        register_nav("政策规则与测算", "rules", PANEL_ROLES, order=40)
        register_panel("catalog/panels/district_rates.html", PANEL_ROLES, district_rates_panel, order=50)
