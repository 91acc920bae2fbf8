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


@shared_task(name="core.purge_idempotency_records", acks_late=True)
def purge_idempotency_records() -> int:
    """Forget API idempotency keys older than 24 hours (apps.core.idempotency); returns how many."""
    from django.utils import timezone

    from .idempotency import KEPT_FOR
    from .models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted
