"""The replay of a scenario, after its draft commits."""

from __future__ import annotations

from celery import shared_task

from .services import scenario_replay


@shared_task(name="scenarios.replay", acks_late=True)
def replay(scenario_id: int) -> str:
    """Thin: the service decides; a redelivered task replays afresh (a finished one is left)."""
    return scenario_replay(scenario_id).status
