"""The claim's lifecycle: one transition table (apps.core.lifecycle), and the functions that move a
claim along it.

    draft → submitted → under_review → approved | returned | rejected;  returned → submitted;
    submitted → returned | rejected;  approved → paid

`approved` and `paid` are reached only through apps.ledger, which books the special account in
the same transaction (`claim_mark_for_ledger`). Nobody types an amount: every line is quoted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.lifecycle import Guard, Lifecycle, Transition, Who, move, nobody, register

from ..extensions import claim_submitted
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

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClaimStatus


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


def _data_locked(claim: Claim, actor: User, context: Mapping[str, Any]) -> ApplicationError | None:
    differences = claim_data_lock(claim)
    if not differences:
        return None
    return ApplicationError(
        "数据比对不一致，不能提交：" + "；".join(differences) + "。请重新测算后再提交",
        field="data_lock",
        extra={"differences": differences},
    )


def _has_lines(claim: Claim, actor: User, context: Mapping[str, Any]) -> ApplicationError | None:
    return None if claim.lines.exists() else ApplicationError("申领没有明细，不能提交")


def _refuse_actor(claim: Claim, step: Transition) -> ApplicationError:
    if step.who == LEDGER:
        return ApplicationError(f"“{step.label}”须通过专账资金记账办理", field="status")
    return ApplicationError(f"您无权对该申领执行“{step.label}”")


LEDGER = "ledger"
_SUBMIT_GUARDS = (
    Guard("数据比对一致（每条明细按其输入重新测算不变）", _data_locked),
    Guard("申领有明细", _has_lines),
)
_TO_CLAIMANT = "申领人"

LIFECYCLE: Lifecycle[Claim] = register(
    Lifecycle(
        name="补贴申领",
        model=Claim,
        states=S,
        transitions=(
            Transition(
                S.DRAFT, S.SUBMITTED, "提交", "claimant", guards=_SUBMIT_GUARDS, notice="区县经办人员"
            ),
            Transition(
                S.RETURNED, S.SUBMITTED, "重新提交", "claimant", guards=_SUBMIT_GUARDS, notice="区县经办人员"
            ),
            Transition(S.SUBMITTED, S.UNDER_REVIEW, "开始审核", "officer"),
            Transition(
                S.SUBMITTED,
                S.RETURNED,
                "退回修改",
                "officer",
                True,
                notice=_TO_CLAIMANT,
                does="各明细改回待审核",
            ),
            Transition(
                S.UNDER_REVIEW,
                S.RETURNED,
                "退回修改",
                "officer",
                True,
                notice=_TO_CLAIMANT,
                does="各明细改回待审核",
            ),
            Transition(S.SUBMITTED, S.REJECTED, "驳回", "officer", True, notice=_TO_CLAIMANT),
            Transition(S.UNDER_REVIEW, S.REJECTED, "驳回", "officer", True, notice=_TO_CLAIMANT),
            Transition(
                S.UNDER_REVIEW,
                S.APPROVED,
                "审核通过",
                LEDGER,
                notice=_TO_CLAIMANT,
                does="ledger.claim_approve：逐条重新测算并在专账额度内记账 (R8.2)",
            ),
            Transition(
                S.APPROVED,
                S.PAID,
                "拨付",
                LEDGER,
                notice=_TO_CLAIMANT,
                does="ledger.payment_record：已通过的明细全部拨付（或其余已冲销、追回）",
            ),
        ),
        roles={
            "claimant": Who("申领单位的经办人", is_claimant),
            "officer": Who("本区县经办人员或市级管理员（第三方机构不能，R7.1）", is_claim_officer),
            LEDGER: Who("专账资金记账（apps.ledger，在记账或拨付的同一事务中）", nobody),
        },
        noun="补贴申领",
        refuse_actor=_refuse_actor,
        lock_row=claim_lock,
        description="申领人提交，区县经办人员审核；审核通过和拨付只由专账资金记账办理。",
    )
)
# The moves made on the claim pages and the API; approval and payment are apps.ledger's.
TRANSITIONS = {key: step for key, step in LIFECYCLE.table.items() if step.who != LEDGER}
LEDGER_TRANSITIONS = {key: step.label for key, step in LIFECYCLE.table.items() if step.who == LEDGER}


def claim_transition(*, claim: Claim, actor: User, to: str, reason: str = "") -> Claim:
    """Move a claim along the table (all moves but approval and payment, which apps.ledger makes)."""

    def work(claim: Claim, step: Transition) -> None:
        if to == S.SUBMITTED:
            claim.submitted_at = timezone.now()
        if to == S.RETURNED:
            claim.lines.update(
                decision=LineDecision.PENDING,
                decided_by=None,
                decided_at=None,
                decision_rule="",
                decision_reason="",
            )

    def tell(claim: Claim, step: Transition) -> None:
        claim_recount(claim)
        if to in (S.RETURNED, S.REJECTED):
            claim_notify(
                claim=claim, actor=actor, kind=f"claim_{to}", what=step.label, body=f"原因：{reason.strip()}"
            )
        elif to == S.SUBMITTED:
            claim_submitted(claim)
            claim_notify(
                claim=claim,
                actor=actor,
                kind="claim_submitted",
                what=f"{step.label}（{claim.claimant}），等待审核",
                officers=True,
            )

    return move(LIFECYCLE, claim, actor=actor, to=to, reason=reason, before_save=work, after_save=tell)


def claim_mark_for_ledger(
    *, claim: Claim, actor: User, to: str, reason: str = "", changes: dict[str, Any] | None = None
) -> Claim:
    """For apps.ledger only: the caller holds the claim's row lock and books the ledger (or the
    payment) in the same transaction."""
    return move(
        LIFECYCLE,
        claim,
        actor=actor,
        to=to,
        lock=False,
        as_role=LEDGER,
        update_fields=["updated_at"],
        log_reason=reason,
        changes=changes,
    )
