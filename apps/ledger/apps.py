from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "apps.ledger"
    verbose_name = "职业技能提升行动专账资金"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.claims.extensions import register_claim_section
        from apps.core.home import register_nav, register_panel, register_years

        from .extensions import claim_recoveries_section
        from .home import district_fund_panel, districts_panel, high_skill_panel, service_kpi_panel
        from .selectors.accounts import ledger_years

        register_claim_section("ledger/_claim_recoveries.html", claim_recoveries_section, order=20)

        register_nav(
            "专账资金",
            "ledger:balances",
            [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR],
            order=14,
        )
        register_panel(
            "ledger/panels/district_fund.html",
            [Role.DISTRICT_OFFICER],
            district_fund_panel,
            order=7,
            year_bound=True,
        )
        register_panel(
            "ledger/panels/districts.html",
            [Role.MUNICIPAL_ADMIN, Role.AUDITOR],
            districts_panel,
            order=7,
            year_bound=True,
        )
        register_panel(
            "ledger/panels/high_skill.html",
            [Role.MUNICIPAL_ADMIN],
            high_skill_panel,
            order=8,
            year_bound=True,
        )
        register_panel(
            "ledger/panels/service_kpis.html",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN],
            service_kpi_panel,
            order=9,
        )
        register_years(lambda user: ledger_years(user=user))
