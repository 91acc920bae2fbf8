from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "apps.evaluations"
    verbose_name = "第三方机构考评"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav

        register_nav(
            "第三方考评",
            "evaluations:list",
            [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR],
            order=17,
        )
