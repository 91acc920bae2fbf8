"""Test runs: fast hashing, in-memory e-mail; database and broker still come from the environment
(`make test` points them at a throwaway PostgreSQL and Redis)."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TEXT_MESSAGE_BACKEND = "apps.core.messaging.LocmemBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Throttles count, but far beyond what any test sends (tests/core/test_throttling.py sets its own).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(("login", "quote", "write", "read"), "100000/min"),
}

# The changes feed shows a change at once (tests/core/test_events.py checks the hold-back).
EVENTS_SETTLE_SECONDS = 0

# The demo world is tested (tests/demo); production does not install it.
INSTALLED_APPS = [*INSTALLED_APPS, "apps.demo"]  # noqa: F405
