from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="ledger.reconcile", acks_late=True)
def reconcile(run_id: int) -> str:
    """Reconcile one district-year (R8.5). Takes the run's id; idempotent (a finished run is left
    alone, one left running by a dead worker is reconciled again), so it is acknowledged late."""
    return services.reconciliation_build(run_id=run_id).status


@shared_task(name="ledger.reconcile_nightly", acks_late=True)
def reconcile_nightly() -> list[int]:
    """Nightly (CELERY_BEAT_SCHEDULE): every district's current and previous year. Idempotent: a
    district-year already in progress is not asked for twice."""
    return services.reconciliations_nightly()


@shared_task(name="ledger.reconcile_sweep", acks_late=True)
def reconcile_sweep() -> dict[str, list[int]]:
    """Every TASK_SWEEP_MINUTES (CELERY_BEAT_SCHEDULE): runs stuck queued or running are sent again
    once, then failed (services.reconciliations_sweep)."""
    return services.reconciliations_sweep()


@shared_task(name="ledger.kpis_refresh", acks_late=True)
def kpis_refresh(district_id: int | None, by: str, year: int | None = None) -> int:
    """Work out a scope's service KPIs and keep them in the cache (services.kpis_refresh).
    Idempotent. Returns how many claims they count."""
    return services.kpis_refresh(district_id=district_id, by=by, year=year).total.submitted
