from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import StateChange

if TYPE_CHECKING:
    from apps.accounts.models import User


def state_change_build(
    *,
    obj: models.Model,
    actor: User | None,
    from_state: str,
    to_state: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> StateChange:
    """A row of the state-change log, not yet saved (state_changes_save writes many at once)."""
    return StateChange(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        changes=changes or {},
    )


def state_change_record(
    *,
    obj: models.Model,
    actor: User | None,
    from_state: str,
    to_state: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> StateChange:
    """Append a row to the state-change log. Call inside the transaction that changes `obj`."""
    row = state_change_build(
        obj=obj, actor=actor, from_state=from_state, to_state=to_state, reason=reason, changes=changes
    )
    row.save(force_insert=True)
    return row


def state_changes_save(rows: list[StateChange]) -> list[StateChange]:
    """Append rows built by state_change_build, in their order, in one INSERT. Call inside the
    transaction that made the changes."""
    return StateChange.objects.bulk_create(rows)
