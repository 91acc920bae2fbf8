from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from kombu import Connection


def database_status() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, type(exc).__name__
    return True, connection.vendor


def broker_status() -> tuple[bool, str]:
    """Eager mode has no broker to be down; otherwise connect to the configured broker."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager"
    url = settings.CELERY_BROKER_URL
    scheme = url.split("://", 1)[0]
    try:
        if scheme in {"redis", "rediss"}:
            # A fresh client and a PING: kombu keeps connection pools between Connection
            # objects, which can answer for a broker that is gone.
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        else:
            with Connection(url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, type(exc).__name__
    return True, scheme
