"""Process-supervision tasks: the weekly draw of next week's sessions in every district."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="inspections.weekly_draw")
def weekly_draw() -> list[int]:
    return [draw.pk for draw in services.inspection_draw_weekly()]
