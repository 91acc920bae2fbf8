from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "apps.institutions"
    verbose_name = "培训机构与用人单位"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_panel

        from .home import organisation_panel

        register_panel(
            "institutions/panels/organisation.html",
            [Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_FILER],
            organisation_panel,
            order=10,
        )
