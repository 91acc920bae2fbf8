"""Deleting a claim draft the claimant no longer wants."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction

from apps.core.errors import ApplicationError
from apps.core.services import state_change_record

from ..models import (
    Claim,
    ClaimStatus,
)
from ..permissions import is_claimant
from .lifecycle import claim_lock

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClaimStatus


@transaction.atomic
def claim_delete_draft(*, claim: Claim, actor: User, reason: str = "") -> None:
    """The claimant deletes a draft it no longer wants: its lines, 以工代训 months and materials go
    (a draft has booked nothing); the log keeps a deletion record of what it was. A claim once
    submitted is never deleted: it is withdrawn by being rejected or corrected when returned."""
    claim = claim_lock(claim)
    if not is_claimant(actor, claim):
        raise ApplicationError("只有申领单位的经办人可以删除申领草稿")
    if claim.status != S.DRAFT:
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，只有草稿可以删除", field="status")
    record = {
        "deleted": {
            "kind": claim.kind,
            "year": claim.year,
            "claimant": str(claim.claimant),
            "total": f"{claim.total:.2f}",
            "persons": sorted(claim.lines.values_list("person_id", flat=True)),
            "materials": sorted(claim.materials.values_list("original_name", flat=True)),
        }
    }
    stored = [(m.file.name, m.file.storage) for m in claim.materials.all() if m.file.name]
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=S.DRAFT,
        to_state="deleted",
        reason=reason.strip() or "删除申领草稿",
        changes=record,
    )
    claim.delete()
    for name, storage in stored:
        transaction.on_commit(partial(storage.delete, name))
