from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import StateChange


def state_changes_for(*, obj: models.Model) -> QuerySet[StateChange]:
    return StateChange.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).select_related("actor")


def latest_change_to(*, obj: models.Model, state: str) -> StateChange | None:
    """The object's latest move into `state` (the last 退回修改 and its reason), or None."""
    return state_changes_for(obj=obj).filter(to_state=state).exclude(from_state=state).order_by("-pk").first()


def latest_changes_to(*, model: type[models.Model], ids: list[int], state: str) -> dict[int, StateChange]:
    """`latest_change_to` for many objects of one model, in one query."""
    rows = StateChange.objects.filter(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id__in=[str(pk) for pk in ids],
        to_state=state,
    ).order_by("pk")
    latest: dict[int, StateChange] = {}
    for row in rows:
        if row.from_state != state:
            latest[int(row.object_id)] = row
    return latest
