"""The claim's lifecycle: one transition table, and the function that moves a claim along it.

    draft → submitted → under_review → approved | returned | rejected;  returned → submitted;
    submitted → returned | rejected;  approved → paid

`approved` and `paid` are reached only through apps.ledger, which books the special account in
the same transaction (`claim_mark_for_ledger`). Nobody types an amount: every line is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import state_change_record

from ..models import (
    Claim,
    ClaimStatus,
    LineDecision,
)
from ..permissions import is_claim_officer, is_claimant
from .data_lock import claim_data_lock
from .lines import claim_recount
from .notices import claim_notify

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClaimStatus


@dataclass(frozen=True)
class Transition:
    actor: str  # "claimant" | "officer"
    needs_reason: bool
    label: str


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, S.SUBMITTED): Transition("claimant", False, "提交"),
    (S.RETURNED, S.SUBMITTED): Transition("claimant", False, "重新提交"),
    (S.SUBMITTED, S.UNDER_REVIEW): Transition("officer", False, "开始审核"),
    (S.SUBMITTED, S.RETURNED): Transition("officer", True, "退回修改"),
    (S.UNDER_REVIEW, S.RETURNED): Transition("officer", True, "退回修改"),
    (S.SUBMITTED, S.REJECTED): Transition("officer", True, "驳回"),
    (S.UNDER_REVIEW, S.REJECTED): Transition("officer", True, "驳回"),
}


# Booked by apps.ledger in the same transaction as the ledger entries or the payment.
LEDGER_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.UNDER_REVIEW, S.APPROVED): "审核通过",
    (S.APPROVED, S.PAID): "拨付",
}


EDITABLE = (S.DRAFT, S.RETURNED)


def claim_require_editable(claim: Claim, actor: User, what: str) -> None:
    if not is_claimant(actor, claim):
        raise ApplicationError(f"只有申领单位的经办人可以{what}")
    if claim.status not in EDITABLE:
        raise ApplicationError(
            f"申领状态为“{claim.get_status_display()}”，不能{what}（草稿或退回修改时可以）", field="status"
        )


def claim_lock(claim: Claim) -> Claim:
    return (
        # of=("self",): the claimant joins are outer joins, which FOR UPDATE cannot lock.
        Claim.objects.select_for_update(of=("self",))
        .select_related("institution", "employer", "district")
        .get(pk=claim.pk)
    )


def _may(actor: User, claim: Claim, who: str) -> bool:
    return is_claimant(actor, claim) if who == "claimant" else is_claim_officer(actor, claim)


@transaction.atomic
def claim_transition(*, claim: Claim, actor: User, to: str, reason: str = "") -> Claim:
    """Move a claim along the table (all moves but approval and payment, which apps.ledger makes)."""
    claim = claim_lock(claim)
    current = claim.status
    if (current, to) in LEDGER_TRANSITIONS:
        raise ApplicationError(f"“{LEDGER_TRANSITIONS[(current, to)]}”须通过专账资金记账办理", field="status")
    transition = TRANSITIONS.get((current, to))
    if transition is None:
        label = S(to).label if to in S.values else to
        raise ApplicationError(f"补贴申领不能从“{S(current).label}”变为“{label}”", field="status")
    if not _may(actor, claim, transition.actor):
        raise ApplicationError(f"您无权对该申领执行“{transition.label}”")
    reason = reason.strip()
    if transition.needs_reason and not reason:
        raise ApplicationError(f"{transition.label}须填写原因", field="reason")
    if to == S.SUBMITTED:
        differences = claim_data_lock(claim)
        if differences:
            raise ApplicationError(
                "数据比对不一致，不能提交：" + "；".join(differences) + "。请重新测算后再提交",
                field="data_lock",
                extra={"differences": differences},
            )
        if not claim.lines.exists():
            raise ApplicationError("申领没有明细，不能提交")
        claim.submitted_at = timezone.now()
    if to == S.RETURNED:
        claim.lines.update(
            decision=LineDecision.PENDING,
            decided_by=None,
            decided_at=None,
            decision_rule="",
            decision_reason="",
        )
    claim.status = to
    claim.save()
    claim_recount(claim)
    state_change_record(obj=claim, actor=actor, from_state=current, to_state=to, reason=reason)
    if to in (S.RETURNED, S.REJECTED):
        claim_notify(
            claim=claim, actor=actor, kind=f"claim_{to}", what=transition.label, body=f"原因：{reason}"
        )
    elif to == S.SUBMITTED:
        claim_notify(
            claim=claim,
            actor=actor,
            kind="claim_submitted",
            what=f"{transition.label}（{claim.claimant}），等待审核",
            officers=True,
        )
    return claim


def claim_mark_for_ledger(
    *, claim: Claim, actor: User, to: str, reason: str = "", changes: dict[str, Any] | None = None
) -> Claim:
    """For apps.ledger only: the caller holds the claim's row lock and books the ledger (or the
    payment) in the same transaction."""
    current = claim.status
    if (current, to) not in LEDGER_TRANSITIONS:
        raise ApplicationError(f"补贴申领不能从“{S(current).label}”变为“{S(to).label}”", field="status")
    claim.status = to
    claim.save(update_fields=["status", "updated_at"])
    state_change_record(
        obj=claim, actor=actor, from_state=current, to_state=to, reason=reason, changes=changes
    )
    return claim
