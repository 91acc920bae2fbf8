from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from kombu import Connection
from redis.backoff import NoBackoff
from redis.retry import Retry

# One client per broker address and process, its connection kept between probes: a new client for
# each /healthz spent more of the probe on building the client (redis-py reads its own package
# metadata for each one) than on the PING. A connection left dead by a restarted broker is retried
# once on a new socket; a client whose PING failed is dropped, so the next probe starts afresh.
_clients: dict[str, redis.Redis] = {}


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
            # redis-py's own client and a PING, not kombu's: kombu keeps connection pools between
            # Connection objects, which can answer for a broker that is gone.
            _redis_ping(url)
        else:
            with Connection(url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, type(exc).__name__
    return True, scheme


def _redis_ping(url: str) -> None:
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 1)
        )
    try:
        client.ping()
    except Exception:
        _clients.pop(url, None)
        client.close()
        raise
