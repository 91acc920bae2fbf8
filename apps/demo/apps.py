from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`: sits above every other app because it fills them all."""

    name = "apps.demo"
    verbose_name = "演示数据"
