"""Sending the trainees' confirmation requests, after the submission that made them commits."""

from __future__ import annotations

from celery import shared_task

from .services import confirmations_deliver


@shared_task(name="confirmations.deliver", acks_late=True)
def deliver(request_ids: list[int]) -> list[int]:
    """Send each request's message (thin: the service decides; a redelivered task sends nothing
    already sent). Returns the ids queued again after a refusal."""
    return confirmations_deliver(request_ids)
