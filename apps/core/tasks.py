from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="core.ping", acks_late=True)
def ping() -> dict[str, object]:
    """A worker's round trip: broker → worker → database → result backend.
    Idempotent (reads only), so late acknowledgement is safe."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": one == 1, "database": connection.vendor, "name": str(connection.settings_dict["NAME"])}
