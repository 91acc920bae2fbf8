from django.apps import AppConfig


class TraineesConfig(AppConfig):
    name = "apps.trainees"
    verbose_name = "实名制管理"
