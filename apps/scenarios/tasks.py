"""The replay of a scenario, after its draft commits: thin, by id, idempotent, acknowledged late
(a worker that dies mid-chunk leaves its message to be delivered again and the chunk rolled back)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from . import services

RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_jitter": False,
    "max_retries": 3,
    "acks_late": True,
}


class ScenarioTask(Task):
    """Fails the scenario once a task gives up (after its retries), with what went wrong."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
        if self.name == "scenarios.replay" and args:
            services.scenario_fail(scenario_id=args[0], error=f"推演失败：{type(exc).__name__}")
        elif args:
            services.scenario_chunk_fail(chunk_id=args[0], error=f"推演失败：{type(exc).__name__}")


@shared_task(name="scenarios.replay", base=ScenarioTask, **RETRY)
def replay(scenario_id: int) -> None:
    """The plan: cut the lines in scope into chunks and send them (a running one: the chunks not done)."""
    services.scenario_plan(scenario_id)


@shared_task(name="scenarios.replay_chunk", base=ScenarioTask, **RETRY)
def replay_chunk(chunk_id: int) -> None:
    services.scenario_chunk_run(chunk_id)


@shared_task(name="scenarios.sweep", acks_late=True)
def sweep() -> dict[str, list[int]]:
    return services.scenarios_sweep()
