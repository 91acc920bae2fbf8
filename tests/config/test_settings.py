"""Settings come from the environment. Each case starts a fresh interpreter, since Django reads
its settings once per process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST', ''), "
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'secret': settings.SECRET_KEY, 'tz': settings.TIME_ZONE, "
    "'lang': settings.LANGUAGE_CODE, 'i18n': settings.USE_I18N, "
    "'languages': [c for c, _ in settings.LANGUAGES], "
    "'apps': settings.INSTALLED_APPS, 'middleware': settings.MIDDLEWARE}))"
)
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}


def _settings(module: str, **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_zero_setup_defaults():
    s = _settings("config.settings.base")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["eager"] is True and s["broker"] == ""
    assert s["debug"] is False
    assert s["hosts"] == ["127.0.0.1", "localhost"]
    assert (s["tz"], s["lang"], s["i18n"]) == ("Asia/Shanghai", "zh-hans", True)


def test_values_are_read_from_the_environment():
    s = _settings(
        "config.settings.base",
        DATABASE_URL="postgres://peixun:pw@db.internal:5432/peixun",
        CELERY_BROKER_URL="redis://redis:6379/0",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_DEBUG="true",
        DJANGO_ALLOWED_HOSTS="peixun.cq.gov.cn, 10.0.0.5",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"]) == ("peixun", "db.internal")
    assert s["eager"] is False and s["broker"] == "redis://redis:6379/0"
    assert s["secret"] == "k" * 60
    assert s["debug"] is True
    assert s["hosts"] == ["peixun.cq.gov.cn", "10.0.0.5"]


def test_a_malformed_boolean_is_refused():
    with pytest.raises(subprocess.CalledProcessError) as exc:
        _settings("config.settings.base", DJANGO_DEBUG="maybe")
    assert "DJANGO_DEBUG must be a boolean" in exc.value.stderr


def test_production_refuses_the_development_secret():
    with pytest.raises(subprocess.CalledProcessError) as exc:
        _settings("config.settings.production", DATABASE_URL="postgres://x@db/peixun")
    assert "DJANGO_SECRET_KEY" in exc.value.stderr


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **CLEAN,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": "postgres://peixun:pw@db:5432/peixun",
            "DJANGO_ALLOWED_HOSTS": "peixun.example.cn",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_a_browser_asking_for_english_gets_the_chinese_portal_and_djangos_chinese_messages(client):
    """No language but zh-hans is offered until it is translated: Django's own messages (a required
    field of the password form) stay Chinese whatever Accept-Language says."""
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:password_change"), {}, HTTP_ACCEPT_LANGUAGE="en-US,en")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "该字段是必填项。" in page and "This field is required." not in page


def test_chinese_only_and_the_demo_world_on_developer_machines_only():
    """Honest settings: one language and no locale negotiation anywhere; the demo app (its
    command can fill a database with demo users and passwords) is installed by the local and test
    settings only, never in production."""
    production = _settings(
        "config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://peixun:pw@db:5432/peixun",
    )
    local, base = _settings("config.settings.local"), _settings("config.settings.base")
    for s in (production, local, base):
        assert s["languages"] == ["zh-hans"]
        assert "django.middleware.locale.LocaleMiddleware" not in s["middleware"]
    assert (
        "apps.demo" not in production["apps"] and "apps.demo" not in _settings("config.settings.base")["apps"]
    )
    assert "apps.demo" in local["apps"]


@pytest.mark.django_db
def test_postgresql_sessions_are_set_for_short_queries():
    """On PostgreSQL every connection of the portal runs without the JIT compiler and parallel
    plans and costs an index read as a solid-state disk's (config.settings.base.PG_OPTIONS)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session settings")
    with connection.cursor() as cursor:
        shown = {}
        for name in ("jit", "max_parallel_workers_per_gather", "random_page_cost"):
            cursor.execute(f"SHOW {name}")
            shown[name] = cursor.fetchone()[0]
    assert shown == {"jit": "off", "max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}


def test_sessions_are_read_from_redis_when_there_is_one():
    with_cache = _session_engine(CACHE_URL="redis://127.0.0.1:6379/2")
    without = _session_engine()
    assert (with_cache, without) == (
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.db",
    )


def _session_engine(**env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; print(settings.SESSION_ENGINE)",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in CLEAN.items() if k != "CACHE_URL"},
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()
