"""The district's review of a claim: a decision on each line (or the rest approved in bulk), and
the third-party reviewer's recommendation (R7.1). Final approval is apps.ledger's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import state_change_build, state_change_record, state_changes_save

from ..extensions import claim_bulk_refusals, lines_blocked
from ..models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    LineDecision,
    LineRecommendation,
    Verdict,
)
from ..permissions import is_claim_officer, is_engaged_reviewer
from .entitlement import judged, judged_rules, lines_requote_against_booked
from .lifecycle import claim_lock
from .lines import claim_recount
from .notices import claim_notify

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClaimStatus


def _start_review(claim: Claim, actor: User) -> None:
    """A decision on a line of a submitted claim starts its review (logged)."""
    if not is_claim_officer(actor, claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以审核申领明细 (R7.1)")
    if claim.status == S.SUBMITTED:
        claim.status = S.UNDER_REVIEW
        claim.save(update_fields=["status", "updated_at"])
        state_change_record(
            obj=claim, actor=actor, from_state=S.SUBMITTED, to_state=S.UNDER_REVIEW, reason="开始审核"
        )
    if claim.status != S.UNDER_REVIEW:
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，不能审核明细")


def _findings_text(findings: list[dict[str, Any]]) -> str:
    return "；".join(f"{f['rule']} [{f['severity']}] {f['message']}" for f in findings)


def line_approval_problems(line: ClaimLine, *, reason: str, blocked: list[str]) -> list[str]:
    """Why the line may not be approved as it stands (empty when it may): quoted at zero, a W or O
    finding without a written reason, or a confirmed audit finding (`blocked`)."""
    problems = []
    if line.amount <= 0:
        problems.append("测算金额为 0（见校验结果），不能审核通过，请选择不予补贴")
    judged_findings = judged(line.findings)
    if judged_findings and not reason.strip():
        problems.append(
            "有须审核人员判断的校验结果（" + _findings_text(judged_findings) + "），审核通过须填写理由"
        )
    problems.extend(blocked)
    return problems


def _decision_changes(line: ClaimLine, before: str) -> dict[str, Any]:
    """What the log keeps of a line's decision."""
    changes: dict[str, Any] = {
        "line": line.pk,
        "person": line.person_id,
        "decision": [before, line.decision],
        "rule": line.decision_rule,
        "amount": f"{line.amount:.2f}",
    }
    accepted = sorted(judged_rules(line.findings)) if line.decision == LineDecision.APPROVED else []
    if accepted:
        changes["accepted"] = accepted
    return changes


def _decide(line: ClaimLine, claim: Claim, actor: User, decision: str, rule: str, reason: str) -> ClaimLine:
    before = line.decision
    line.decision = decision
    line.decision_rule = rule.strip() if decision == LineDecision.REJECTED else ""
    line.decision_reason = reason.strip()
    line.decided_by = actor
    line.decided_at = timezone.now()
    line.save()
    claim_recount(claim)
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=S.UNDER_REVIEW,
        to_state=S.UNDER_REVIEW,
        reason=reason.strip(),
        changes=_decision_changes(line, before),
    )
    return line


def _approve_many(lines: list[ClaimLine], claim: Claim, actor: User) -> None:
    """Approve `lines` (locked, of `claim`) without a reason: one UPDATE for all and their log
    rows, one per line as _decide writes them, in one INSERT. The caller recounts the claim."""
    if not lines:
        return
    now = timezone.now()
    ClaimLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        decision=LineDecision.APPROVED,
        decision_rule="",
        decision_reason="",
        decided_by=actor,
        decided_at=now,
        updated_at=now,
    )
    rows = []
    for line in lines:
        before = line.decision
        line.decision, line.decision_rule, line.decision_reason = LineDecision.APPROVED, "", ""
        line.decided_by, line.decided_at, line.updated_at = actor, now, now
        rows.append(
            state_change_build(
                obj=claim,
                actor=actor,
                from_state=S.UNDER_REVIEW,
                to_state=S.UNDER_REVIEW,
                changes=_decision_changes(line, before),
            )
        )
    state_changes_save(rows)


def _requote_for_approval(claim: Claim, lines: list[ClaimLine]) -> None:
    """The lines quoted again against what is booked and the claim's lines of the same persons
    approved already. The caller recounts the claim once its decisions are written."""
    others = claim.lines.filter(
        decision=LineDecision.APPROVED, person_id__in={line.person_id for line in lines}
    ).exclude(pk__in=[line.pk for line in lines])
    lines_requote_against_booked(claim=claim, lines=lines, approved_before=list(others))


def claim_line_decide(
    *, line: ClaimLine, actor: User, decision: str, rule: str = "", reason: str = ""
) -> ClaimLine:
    """A district officer's decision on one line; the claim's approved total follows. Rejecting
    needs a reason code (the rule ID) and text. Approving quotes the line again against what its
    person has booked (apps.claims.services.entitlement), and the new quote is kept whatever the outcome;
    a line quoted at zero cannot be approved, a W or O finding only with a written reason, and a
    line with a confirmed audit finding not at all until the finding is dismissed."""
    if decision not in (LineDecision.APPROVED, LineDecision.REJECTED):
        raise ApplicationError("审核结论应为通过或不予补贴", field="decision")
    if decision == LineDecision.REJECTED and not (rule.strip() and reason.strip()):
        raise ApplicationError("不予补贴须选择理由规则并填写理由", field="reason")
    with transaction.atomic():
        claim = claim_lock(line.claim)
        _start_review(claim, actor)
        locked = ClaimLine.objects.select_for_update(of=("self",)).select_related("person")
        line = locked.get(pk=line.pk, claim=claim)
        if decision == LineDecision.REJECTED:
            line = _decide(line, claim, actor, decision, rule, reason)
            claim_notify(
                claim=claim,
                actor=actor,
                kind="claim_line_rejected",
                what=f"明细 #{line.pk}（{line.person.name}）不予补贴",
                body=f"理由（{line.decision_rule}）：{line.decision_reason}",
            )
            return line
        _requote_for_approval(claim, [line])
        problems = line_approval_problems(
            line, reason=reason, blocked=lines_blocked([line.pk]).get(line.pk, [])
        )
        if not problems:
            return _decide(line, claim, actor, decision, rule, reason)  # recounts the claim
        claim_recount(claim)
    # Outside the transaction: the new quote stays, the approval does not happen.
    raise ApplicationError("；".join(problems), field="decision" if line.amount <= 0 else "reason")


@dataclass(frozen=True)
class BulkOutcome:
    approved: int
    # Lines left pending, each with why: a W or O finding to judge one by one, a confirmed audit
    # finding, a quote of zero.
    skipped: list[tuple[ClaimLine, list[str]]]


def claim_lines_approve_pending(*, claim: Claim, actor: User) -> BulkOutcome:
    """Approve every line still pending that may be approved without a word (the rest of the claim
    once the officer has decided what they found), unless the claim was sampled for review line by
    line. Each is quoted again against what is booked
    first; lines quoted at zero, with a W or O finding, or with a confirmed audit finding are left
    pending and listed, to be decided one by one with a reason. Each decision is logged as if made
    one by one."""
    with transaction.atomic():
        claim = claim_lock(claim)
        _start_review(claim, actor)
        # A sampled claim is decided line by line (apps.audits' claim sampling).
        refusals = claim_bulk_refusals(claim)
        if refusals:
            raise ApplicationError("；".join(refusals), field="lines")
        pending = list(
            claim.lines.select_for_update(of=("self",))  # persons: in id order (persons_lock)
            .filter(decision=LineDecision.PENDING, amount__gt=0)
            .select_related("person")
            .order_by("pk")
        )
        _requote_for_approval(claim, pending)
        blocked = lines_blocked([line.pk for line in pending])
        approving, skipped = [], []
        for line in pending:
            problems = line_approval_problems(line, reason="", blocked=blocked.get(line.pk, []))
            if problems:
                skipped.append((line, problems))
            else:
                approving.append(line)
        _approve_many(approving, claim, actor)
        claim_recount(claim)
    return BulkOutcome(len(approving), skipped)


@transaction.atomic
def claim_recommend(*, claim: Claim, actor: User, text: str) -> Claim:
    """A third-party reviewer's recommendation (R7.1): recorded and logged, never a decision."""
    claim = claim_lock(claim)
    if not is_engaged_reviewer(actor, claim):
        raise ApplicationError("只有受本区县委托的第三方社会机构可以提出审核意见 (R7.1)")
    if claim.status not in (S.SUBMITTED, S.UNDER_REVIEW):
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，不能提出审核意见")
    if not text.strip():
        raise ApplicationError("请填写审核意见", field="text")
    claim.recommendation = text.strip()
    claim.recommended_by = actor
    claim.save(update_fields=["recommendation", "recommended_by", "updated_at"])
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"第三方审核意见：{text.strip()}",
    )
    return claim


def claim_line_recommend(
    *, line: ClaimLine, actor: User, verdict: str, rule: str = "", reason: str
) -> LineRecommendation:
    """A third-party reviewer's recommendation on one line (R7.1): advise approving or rejecting it,
    with a written reason, and for a rejection the rule. Recorded beside the line and logged on the
    claim; it never changes the line's decision, which stays the officer's."""
    if verdict not in Verdict.values:
        raise ApplicationError("审核意见应为建议通过或建议不予补贴", field="verdict")
    if not reason.strip():
        raise ApplicationError("请填写理由", field="reason")
    if verdict == Verdict.REJECT and not rule.strip():
        raise ApplicationError("建议不予补贴须选择理由规则", field="rule")
    with transaction.atomic():
        claim = claim_lock(line.claim)
        if not is_engaged_reviewer(actor, claim):
            raise ApplicationError("只有受本区县委托的第三方社会机构可以提出审核意见 (R7.1)")
        if claim.status not in (S.SUBMITTED, S.UNDER_REVIEW):
            raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，不能提出审核意见")
        recommendation = LineRecommendation.objects.create(
            line=line, verdict=verdict, rule=rule.strip(), reason=reason.strip(), recommended_by=actor
        )
        state_change_record(
            obj=claim,
            actor=actor,
            from_state=claim.status,
            to_state=claim.status,
            reason=f"第三方对明细 #{line.pk} 的审核意见：{Verdict(verdict).label}。{reason.strip()}",
            changes={
                "line": line.pk,
                "person": line.person_id,
                "recommendation": verdict,
                "rule": rule.strip(),
            },
        )
    return recommendation
