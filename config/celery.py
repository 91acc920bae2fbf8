"""The Celery app. Configuration lives in Django settings under the CELERY_ prefix
(see config/settings/base.py for why each value is what it is)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("peixun")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
