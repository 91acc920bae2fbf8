from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.purge_login_records", acks_late=True)
def purge_login_records() -> dict[str, int]:
    """Daily: expired API tokens, and the login audit past its keeping time
    (apps.accounts.services.login_records_purge)."""
    from .services import login_records_purge

    return login_records_purge()
