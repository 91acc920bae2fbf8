from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "apps.insurance"
    verbose_name = "社保参保核验"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.claims.extensions import register_claim_submitted
        from apps.core.home import register_nav

        from .services import insurance_check_claim

        register_nav(
            "社保核验",
            "insurance:imports",
            [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR],
            order=16,
        )
        # An enterprise's claim is checked against the roster when it is submitted.
        register_claim_submitted(insurance_check_claim)
