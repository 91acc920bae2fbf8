from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "apps.notices"
    verbose_name = "消息"

    def ready(self) -> None:
        from apps.accounts.extensions import register_password_reset_hook

        from .extensions import notify_password_reset

        register_password_reset_hook(notify_password_reset)
