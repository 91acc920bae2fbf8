from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "apps.institutions"
    verbose_name = "培训机构与用人单位"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav, register_panel

        from .home import institution_queue_panel, organisation_panel

        register_panel(
            "institutions/panels/organisation.html",
            [Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_FILER],
            organisation_panel,
            order=10,
        )
        register_panel(
            "institutions/panels/queue.html",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN, Role.THIRD_PARTY_REVIEWER, Role.AUDITOR],
            institution_queue_panel,
            order=30,
        )
        register_nav(
            "培训机构",
            "institutions:institution_list",
            [Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER, Role.MUNICIPAL_ADMIN, Role.AUDITOR],
            order=50,
        )
        register_nav("我的机构", "institutions:my_institutions", [Role.INSTITUTION_OPERATOR], order=50)
        register_nav(
            "用人单位",
            "institutions:employer_list",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN, Role.AUDITOR],
            order=60,
        )
        register_nav("我的企业", "institutions:my_employers", [Role.ENTERPRISE_FILER], order=60)
