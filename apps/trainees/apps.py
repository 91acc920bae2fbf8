from django.apps import AppConfig


class TraineesConfig(AppConfig):
    name = "apps.trainees"
    verbose_name = "实名制管理"

    def ready(self) -> None:
        from apps.classes.services import COMPLETION_CHECKS

        from .services.results import results_required_for_completion

        # A running class is completed only when every trainee has a result.
        if results_required_for_completion not in COMPLETION_CHECKS:
            COMPLETION_CHECKS.append(results_required_for_completion)
