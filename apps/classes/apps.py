from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "apps.classes"
    verbose_name = "开班申请"

    def ready(self) -> None:
        from apps.accounts.models import Role
        from apps.core.home import register_nav, register_panel

        from .home import class_queue_panel, institution_classes_panel, reviewer_classes_panel

        register_nav("开班申请", "classes:list", [Role.INSTITUTION_OPERATOR], order=10)
        register_nav(
            "开班审核",
            "classes:list",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN, Role.AUDITOR, Role.THIRD_PARTY_REVIEWER],
            order=10,
        )
        register_panel(
            "classes/panels/queue.html",
            [Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN],
            class_queue_panel,
            order=5,
        )
        register_panel(
            "classes/panels/reviewer.html",
            [Role.THIRD_PARTY_REVIEWER],
            reviewer_classes_panel,
            order=7,
        )
        register_panel(
            "classes/panels/institution.html",
            [Role.INSTITUTION_OPERATOR],
            institution_classes_panel,
            order=20,
        )
