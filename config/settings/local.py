"""Developer machine and `make run`: debug on unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", default=True)

# The demo world (`manage.py demo_data`, `make run`) exists on developer machines only.
INSTALLED_APPS = [*INSTALLED_APPS, "apps.demo"]  # noqa: F405
