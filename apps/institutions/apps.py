from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "apps.institutions"
    verbose_name = "培训机构与用人单位"

    def ready(self) -> None:
        from apps.accounts.extensions import register_access_guard
        from apps.accounts.models import Role
        from apps.catalog.extensions import register_engaged_districts
        from apps.core.home import register_nav, register_panel

        from .home import institution_queue_panel, organisation_panel
        from .permissions import agency_access_refusal, contract_districts

        # A third-party reviewer's districts and access come from the agency's contracts (R7.1).
        register_engaged_districts(contract_districts)
        register_access_guard(agency_access_refusal)

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
        register_nav(
            "第三方机构",
            "institutions:agency_list",
            [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR, Role.THIRD_PARTY_REVIEWER],
            order=65,
        )
