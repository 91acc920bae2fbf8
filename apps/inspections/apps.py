from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "apps.inspections"
    verbose_name = "过程监管"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.claims.extensions import register_claim_submitted
        from apps.core.home import register_nav, register_panel

        from .home import inspections_panel
        from .services import inspection_findings_attach

        register_nav(
            "过程监管",
            "inspections:list",
            [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER, Role.AUDITOR],
            order=14,
        )
        register_panel(
            "inspections/panels/mine.html",
            [Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER],
            inspections_panel,
            order=8,
        )
        # A visit's absentees who had no claim line yet get their A7 finding when it is submitted.
        register_claim_submitted(inspection_findings_attach)
