from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "apps.audits"
    verbose_name = "批量稽核"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.claims.extensions import (
            register_bulk_guard,
            register_claim_section,
            register_claim_submitted,
            register_finding_source,
            register_review_guard,
        )
        from apps.core.home import register_nav, register_panel

        from .extensions.claim_page import claim_page_section
        from .extensions.review import (
            blocking_findings,
            flagging_findings,
            pending_findings,
            sampled_line_by_line,
        )
        from .home import auditor_panel, findings_panel
        from .services import claim_sample_draw

        register_nav(
            "批量稽核", "audits:runs", [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR], order=15
        )
        register_panel(
            "audits/panels/findings.html",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN],
            findings_panel,
            order=9,
        )
        register_panel("audits/panels/runs.html", [Role.AUDITOR], auditor_panel, order=9)
        register_claim_section("audits/_claim_findings.html", claim_page_section, order=10)
        # A confirmed finding stops a line's approval; open ones are acknowledged at the final one.
        register_review_guard(blocking=blocking_findings, pending=pending_findings)
        # Their current open or confirmed findings flag a claim in the claims' list.
        register_finding_source(flagging_findings)
        # Claim sampling: each submission is scored and drawn; a sampled claim is decided line by line.
        register_claim_submitted(claim_sample_draw)
        register_bulk_guard(sampled_line_by_line)
