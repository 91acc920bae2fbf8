from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "apps.publicity"
    verbose_name = "补贴公示"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav
        from apps.ledger.extensions import register_payment_guard

        from .extensions import lines_not_yet_payable

        register_payment_guard(lines_not_yet_payable)
        register_nav(
            "补贴公示",
            "publicity:office",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN, Role.AUDITOR],
            order=15,
        )
