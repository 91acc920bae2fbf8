from django.apps import AppConfig


class ConfirmationsConfig(AppConfig):
    name = "apps.confirmations"
    verbose_name = "学员确认"

    def ready(self) -> None:
        from apps.claims.extensions import (
            register_claim_section,
            register_claim_submitted,
            register_review_guard,
        )

        from .extensions import claim_confirmations_section, lines_short_of_confirmations, no_matters
        from .services import confirmations_request_for_claim

        # Each trainee on a submitted claim is asked; a district may require a share to confirm
        # before any line is approved; the claim page shows who answered what.
        register_claim_submitted(confirmations_request_for_claim)
        register_review_guard(blocking=lines_short_of_confirmations, pending=no_matters)
        register_claim_section("confirmations/_claim_section.html", claim_confirmations_section, order=12)
