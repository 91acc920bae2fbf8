from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "apps.evaluations"
    verbose_name = "第三方机构考评"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav

        readers = [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR]
        register_nav("第三方考评", "evaluations:list", readers, order=17)
        register_nav("机构综合评估", "evaluations:institutions", readers, order=18)
