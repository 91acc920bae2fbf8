from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    verbose_name = "补贴申领"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav, register_panel
        from apps.trainees.permissions import register_person_scope

        from .home import claim_queue_panel, claimant_panel, reviewer_panel
        from .permissions import persons_revealed_on_claims, persons_seen_on_claims

        register_person_scope(visible=persons_seen_on_claims, revealable=persons_revealed_on_claims)

        claimants = [Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_FILER]
        register_nav("补贴申领", "claims:list", claimants, order=12)
        register_nav(
            "补贴审核",
            "claims:list",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN, Role.AUDITOR, Role.THIRD_PARTY_REVIEWER],
            order=12,
        )
        register_panel(
            "claims/panels/queue.html",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN],
            claim_queue_panel,
            order=6,
        )
        register_panel("claims/panels/reviewer.html", [Role.THIRD_PARTY_REVIEWER], reviewer_panel, order=6)
        register_panel("claims/panels/claimant.html", claimants, claimant_panel, order=21)
