"""The district's special account (专账资金, clause 八): allocations, the booking of approved
claims, payments, reversals. Every write locks the allocation row, so concurrent approvals of
one district and year are serialised, and the unique constraint on commitments makes posting
a line twice impossible."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.catalog.models import District
from apps.claims.extensions import claim_pending_matters, lines_blocked
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision, Share
from apps.claims.permissions import is_claim_officer
from apps.claims.services.entitlement import line_months_book, lines_requote_against_booked, persons_lock
from apps.claims.services.lifecycle import claim_mark_for_ledger
from apps.claims.services.lines import claim_line_unbook, claim_recount
from apps.claims.services.notices import claim_notify
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Guard, Lifecycle, Transition, Who, anyone, move, register
from apps.core.permissions import is_active_user
from apps.core.services import state_change_record
from apps.core.tasks import (
    QUEUE_UNAVAILABLE,
    QueueUnavailable,
    job_fail,
    publish,
    publish_on_commit,
    sweep_jobs,
)
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules import RULES_VERSION
from apps.rules.money import yuan
from apps.rules.special_account import check_allocation

from .extensions import lines_not_payable
from .models import (
    Allocation,
    AllocationTotal,
    AllocationTransfer,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentLine,
    Reconciliation,
    ReconciliationStatus,
    Recovery,
    RecoveryStatus,
)
from .permissions import ledger_districts
from .selectors import kpis
from .selectors.accounts import Difference, reconciliation, reconciliation_latest, run_differences
from .selectors.kpis import KpiReport
from .selectors.totals import Key, totals_differences, totals_of, totals_version

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")


def _require_admin(actor: User) -> None:
    if not (is_active_user(actor) and actor.role == Role.MUNICIPAL_ADMIN):
        raise ApplicationError("只有市人力社保局管理员可以设置专账资金额度")


@transaction.atomic
def allocation_set(
    *,
    actor: User,
    district: District,
    year: int,
    amount: Decimal,
    work_for_training_share: Decimal = ZERO,
    living_allowance_share: Decimal = ZERO,
) -> Allocation:
    """Set a district's allocation and shares for a year (R8.2): the municipal bureau's figure,
    set by the municipal admin alone, never by the district it limits. Lowering it below what is
    already booked is refused."""
    _require_admin(actor)
    for label, value in (
        ("年度额度", amount),
        ("以工代训额度", work_for_training_share),
        ("生活费补贴额度", living_allowance_share),
    ):
        if value < 0:
            raise ApplicationError(f"{label}不能为负数", field="amount")
    if work_for_training_share + living_allowance_share > amount:
        raise ApplicationError(
            "以工代训额度与生活费补贴额度之和不能超过年度额度", field="work_for_training_share"
        )
    allocation, created = Allocation.objects.select_for_update().get_or_create(
        district=district, year=year, defaults={"amount": amount}
    )
    before = {
        "amount": str(allocation.amount),
        "wft": str(allocation.work_for_training_share),
        "living": str(allocation.living_allowance_share),
    }
    allocation.amount = amount
    allocation.work_for_training_share = work_for_training_share
    allocation.living_allowance_share = living_allowance_share
    booked = booked_by_share(allocation)
    for share in Share:
        if booked[share.value] > allocation.share_amount(share.value):
            raise ApplicationError(
                f"{share.label}已记账 {yuan(booked[share.value])} 元，额度不能低于该数",
                field="amount",
                rule="R8.2",
            )
    allocation.save()
    state_change_record(
        obj=allocation,
        actor=actor,
        from_state="" if created else "set",
        to_state="set",
        changes={
            "before": None if created else before,
            "after": {
                "amount": str(amount),
                "wft": str(work_for_training_share),
                "living": str(living_allowance_share),
            },
        },
    )
    return allocation


@transaction.atomic
def allocation_transfer(
    *, actor: User, year: int, source: District, target: District, amount: Decimal, reason: str
) -> AllocationTransfer:
    """The municipal bureau's redistribution (调剂) of special-account money between two districts
    within a year, by their performance: `amount` leaves the training share of `source` and joins
    that of `target`, with a written reason. Both allocations are locked (in id order); the source
    may not fall below what its training share has booked (R8.2). The transfer row is the record;
    each allocation's `transferred` follows it (the reconciliation checks they agree)."""
    _require_admin(actor)
    reason = reason.strip()
    problems = []
    if source.pk == target.pk:
        problems.append(("target", "调出和调入须是两个区县"))
    if amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        problems.append(("amount", "调剂金额须大于 0，以元为单位，最多两位小数"))
    if not reason:
        problems.append(("reason", "请填写调剂理由（如两区县的执行率、绩效）"))
    if problems:
        raise ApplicationError("；".join(m for _, m in problems), field=problems[0][0])
    rows = {
        a.district_id: a
        for a in Allocation.objects.select_for_update()
        .filter(year=year, district_id__in=[source.pk, target.pk])
        .order_by("pk")
    }
    for district, field in ((source, "source"), (target, "target")):
        if district.pk not in rows:
            raise ApplicationError(f"{district.name}{year} 年度尚未设置专账资金额度，不能调剂", field=field)
    out, into = rows[source.pk], rows[target.pk]
    booked = booked_by_share(out)[Share.TRAINING.value]
    training = out.share_amount(Share.TRAINING.value)
    if training - amount < booked:
        raise ApplicationError(
            f"{source.name}{year} 年度培训补贴额度 {yuan(training)} 元，"
            f"已记账 {yuan(booked)} 元，最多可调出 {yuan(max(training - booked, ZERO))} 元",
            field="amount",
            rule="R8.2",
        )
    transfer = AllocationTransfer.objects.create(
        year=year, source=out, target=into, amount=amount, reason=reason, created_by=actor
    )
    for allocation, delta in ((out, -amount), (into, amount)):
        before = allocation.transferred
        allocation.transferred = before + delta
        allocation.save(update_fields=["transferred", "updated_at"])
        state_change_record(
            obj=allocation,
            actor=actor,
            from_state="set",
            to_state="set",
            reason=f"资金调剂 #{transfer.pk}：{source.name} → {target.name} {yuan(amount)} 元；{reason}",
            changes={"transfer": transfer.pk, "transferred": [str(before), str(allocation.transferred)]},
        )
    notify(
        recipients=[
            *district_officers(district_id=source.pk),
            *district_officers(district_id=target.pk),
        ],
        kind="allocation_transferred",
        title=f"{year} 年度专账资金调剂：{source.name} → {target.name} {yuan(amount)} 元",
        body=reason,
        link=reverse("ledger:allocations") + f"?year={year}",
        exclude=actor,
    )
    return transfer


def booked_by_share(allocation: Allocation) -> dict[str, Decimal]:
    """Net booked amount (commitments less reversals) per share."""
    booked = {share.value: ZERO for share in Share}
    for (_, share), sums in totals_of([allocation.pk]).items():
        booked[share] = sums.booked
    return booked


class Reopening(NamedTuple):
    """A line final approval sends back to pending: its amount when approved, and why."""

    line: ClaimLine
    before: Decimal
    why: str


@dataclass(frozen=True)
class _Reopened:
    lines: list[Reopening]


def claim_approve(*, claim: Claim, actor: User, reason: str = "", acknowledged: bool = False) -> Claim:
    """Final approval by a district officer: every line decided, each approved line quoted again
    under its persons' row locks against what is already booked (apps.claims.services.entitlement: what was
    booked for the same training is deducted, booked trainings count for R10 and R3.4, booked
    以工代训 months are not paid again), and booked at that amount in the special account (one
    commitment each) under the allocation's row lock, refused whole if it would overdraw the
    allocation or a share (R8.2). A third party can never do this (R7.1).

    Open audit findings on the claim must be acknowledged (`acknowledged`), and the
    acknowledgement is logged. A line whose new quote is zero, higher than what the officer
    approved, or carries a W or O finding the officer has not judged, is set back to pending for
    review (that is kept) and the approval is refused with the list."""
    with transaction.atomic():
        outcome = _approve(claim=claim, actor=actor, reason=reason, acknowledged=acknowledged)
    if isinstance(outcome, _Reopened):
        listed = "；".join(
            f"明细 #{line.pk}（{line.person.name}）通过时 {yuan(before)} 元，"
            f"现为 {yuan(line.amount)} 元：{why}"
            for line, before, why in outcome.lines
        )
        raise ApplicationError(
            f"按已记账情况重新测算后，{len(outcome.lines)} 条明细有变化，已改为待审核，请重新审核：{listed}",
            field="lines",
            extra={"reopened": [line.pk for line, _, _ in outcome.lines]},
        )
    return outcome


def _approve(*, claim: Claim, actor: User, reason: str, acknowledged: bool) -> Claim | _Reopened:
    claim = Claim.objects.select_for_update(of=("self",)).select_related("district").get(pk=claim.pk)
    if not is_claim_officer(actor, claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以最终审核通过申领 (R7.1)")
    if claim.status != ClaimStatus.UNDER_REVIEW:
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，不能审核通过", field="status")
    # The lines alone: their persons are locked in id order by the requote (persons_lock), never in
    # the lines' order, which two claims sharing persons may hold the other way round (deadlock).
    lines = list(claim.lines.select_for_update(of=("self",)).select_related("person").order_by("pk"))
    pending = [line for line in lines if line.decision == LineDecision.PENDING]
    if pending:
        raise ApplicationError(f"尚有 {len(pending)} 条明细未审核", field="lines")
    approved = [line for line in lines if line.decision == LineDecision.APPROVED]
    blocked = lines_blocked([line.pk for line in approved])
    if blocked:
        raise ApplicationError(
            "；".join(f"明细 #{pk}：{'；'.join(why)}" for pk, why in blocked.items()), field="lines"
        )
    matters = claim_pending_matters(claim)
    if matters and not acknowledged:
        raise ApplicationError(
            f"该申领尚有 {len(matters)} 条待处理的稽核疑点，请确认已知悉后再审核通过："
            + "；".join(matters[:5]),
            field="acknowledged",
            extra={"matters": matters},
        )
    requoted = lines_requote_against_booked(claim=claim, lines=approved)
    reopen: list[Reopening] = []
    for item in requoted:
        line = item.line
        if line.amount <= 0:
            reopen.append(Reopening(line, item.amount_before, "重新测算为 0，不能记账"))
        elif line.amount > item.amount_before:
            reopen.append(Reopening(line, item.amount_before, "高于审核通过时的金额"))
        elif item.new_judged:
            reopen.append(
                Reopening(
                    line, item.amount_before, "新出现须判断的校验结果 " + "、".join(sorted(item.new_judged))
                )
            )
    if reopen:
        return _reopen(claim, actor, reopen)
    try:
        allocation = Allocation.objects.select_for_update().get(district=claim.district, year=claim.year)
    except Allocation.DoesNotExist as exc:
        raise ApplicationError(
            f"{claim.district}{claim.year} 年度尚未设置专账资金额度，不能审核通过。"
            f"额度由市人力社保局管理员在“专账资金额度”页面设置（{claim.year} 年度）",
            rule="R8.2",
            field="allocation",
            extra={"year": claim.year, "district": claim.district.code},
        ) from exc
    requested: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in approved:
        requested[line.share] += line.amount
    booked = booked_by_share(allocation)
    for share, amount in requested.items():
        finding = check_allocation(
            allocated=allocation.share_amount(share),
            committed=booked[share],
            requested=amount,
            share=str(Share(share).label),
        )
        if finding is not None:
            raise ApplicationError(finding.message, rule=finding.rule)
    entries = LedgerEntry.objects.bulk_create(
        LedgerEntry(
            allocation=allocation,
            claim_line=line,
            share=line.share,
            kind=EntryKind.COMMITMENT,
            amount=line.amount,
            rules_version=line.rules_version or RULES_VERSION,
            created_by=actor,
            reason=f"申领 #{claim.pk} 审核通过",
        )
        for line in approved
    )
    totals_book(entries)
    line_months_book([line.pk for line in approved], booked=True)
    claim_recount(claim)
    changes: dict[str, Any] = {}
    lowered = [item for item in requoted if item.line.amount != item.amount_before]
    if lowered:
        changes["requoted"] = [
            {"line": i.line.pk, "before": f"{i.amount_before:.2f}", "after": f"{i.line.amount:.2f}"}
            for i in lowered
        ]
    if matters:
        changes["acknowledged"] = matters
    claim = claim_mark_for_ledger(
        claim=claim, actor=actor, to=ClaimStatus.APPROVED, reason=reason, changes=changes
    )
    refused = len(lines) - len(approved)
    body = f"通过 {len(approved)} 条明细" + (f"，不予补贴 {refused} 条（理由见申领页）" if refused else "")
    if reason.strip():
        body += f"\n审核意见：{reason.strip()}"
    what = f"审核通过，核定补贴 {yuan(claim.approved_total)} 元"
    claim_notify(claim=claim, actor=actor, kind="claim_approved", what=what, body=body)
    return claim


def _reopen(claim: Claim, actor: User, reopen: list[Reopening]) -> _Reopened:
    """The lines the officer must look at again go back to pending, each decision logged."""
    for line, before, why in reopen:
        line.decision = LineDecision.PENDING
        line.decided_by = None
        line.decided_at = None
        line.decision_reason = ""
        line.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason", "updated_at"])
        state_change_record(
            obj=claim,
            actor=actor,
            from_state=claim.status,
            to_state=claim.status,
            reason=f"最终审核时按已记账情况重新测算：{why}",
            changes={
                "line": line.pk,
                "person": line.person_id,
                "decision": [LineDecision.APPROVED, LineDecision.PENDING],
                "rule": "",
                "amount": [f"{before:.2f}", f"{line.amount:.2f}"],
            },
        )
    claim_recount(claim)
    claim_notify(
        claim=claim,
        actor=actor,
        kind="claim_lines_reopened",
        what=f"{len(reopen)} 条明细按已记账情况重新测算后改为待审核",
        body="\n".join(
            f"明细 #{line.pk}（{line.person.name}）{yuan(before)} 元 → {yuan(line.amount)} 元：{why}"
            for line, before, why in reopen
        ),
    )
    return _Reopened(reopen)


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, actor: User, reason: str) -> LedgerEntry:
    """A correction: a reversal entry cancelling a commitment (never an edit or a delete). The
    line is marked not subsidised. A paid line must be recovered first. When every approved line
    left on the claim is paid, the claim is 已拨付."""
    entry = LedgerEntry.objects.select_for_update().select_related("claim_line__claim").get(pk=entry.pk)
    claim = entry.claim_line.claim
    if not is_claim_officer(actor, claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以冲销台账记录")
    if not reason.strip():
        raise ApplicationError("冲销须填写原因", field="reason")
    if entry.kind != EntryKind.COMMITMENT:
        raise ApplicationError("只能冲销审核通过的记账", field="entry")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ApplicationError("该记账已冲销", field="entry")
    if PaymentLine.objects.filter(claim_line=entry.claim_line).exists():
        raise ApplicationError("该明细已拨付，不能直接冲销", field="entry")
    Allocation.objects.select_for_update().get(pk=entry.allocation_id)
    reversal = LedgerEntry.objects.create(
        allocation_id=entry.allocation_id,
        claim_line=entry.claim_line,
        share=entry.share,
        kind=EntryKind.REVERSAL,
        amount=-entry.amount,
        reverses=entry,
        reason=reason.strip(),
        rules_version=entry.rules_version,
        created_by=actor,
    )
    totals_book([reversal])
    claim_line_unbook(line=entry.claim_line, actor=actor, rule="R8.5", reason=f"台账冲销：{reason.strip()}")
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"冲销：{reason.strip()}",
        changes={"entry": entry.pk, "amount": str(entry.amount)},
    )
    claim_notify(
        claim=claim,
        actor=actor,
        kind="claim_line_reversed",
        what=f"明细 #{entry.claim_line_id} 台账冲销 {yuan(entry.amount)} 元，不予补贴",
        body=f"原因：{reason.strip()}",
    )
    _paid_when_nothing_left_to_pay(claim, actor)
    return reversal


@transaction.atomic
def payment_record(
    *, actor: User, district: District, reference: str, paid_on: date, line_ids: list[int]
) -> Payment:
    """Record a payment (single or batch) of approved, booked, unpaid lines of the district.
    Claims whose approved lines are all paid become 已拨付."""
    if not (
        getattr(actor, "is_authenticated", False)
        and (
            actor.role == Role.MUNICIPAL_ADMIN
            or (actor.role == Role.DISTRICT_OFFICER and actor.district_id == district.pk)
        )
    ):
        raise ApplicationError("只有本区县经办人员或市级管理员可以登记拨付")
    if not reference.strip():
        raise ApplicationError("请填写拨付凭证号", field="reference")
    if not line_ids:
        raise ApplicationError("请选择要拨付的明细", field="lines")
    lines = list(
        ClaimLine.objects.select_for_update().filter(pk__in=line_ids).select_related("claim").order_by("pk")
    )
    if len(lines) != len(set(line_ids)):
        raise ApplicationError("部分明细不存在", field="lines")
    booked = {
        row["claim_line"]: row["total"]
        for row in LedgerEntry.objects.filter(claim_line__in=lines)
        .values("claim_line")
        .annotate(total=Sum("amount"))
    }
    paid = set(PaymentLine.objects.filter(claim_line__in=lines).values_list("claim_line_id", flat=True))
    for line in lines:
        if line.claim.district_id != district.pk:
            raise ApplicationError(f"明细 #{line.pk} 不属于{district}", field="lines")
        if line.pk in paid:
            raise ApplicationError(f"明细 #{line.pk} 已拨付", field="lines")
        if line.claim.status != ClaimStatus.APPROVED or line.decision != LineDecision.APPROVED:
            raise ApplicationError(f"明细 #{line.pk} 未审核通过，不能拨付", field="lines")
        if (booked.get(line.pk) or ZERO) != line.amount:
            raise ApplicationError(
                f"明细 #{line.pk} 的台账金额与核定金额不一致 (R8.5)", rule="R8.5", field="lines"
            )
    held = lines_not_payable([line.pk for line in lines])
    if held:
        raise ApplicationError(
            "以下明细尚不能拨付：" + "；".join(f"明细 #{pk}：{'、'.join(held[pk])}" for pk in sorted(held)),
            field="lines",
        )
    if Payment.objects.filter(district=district, reference=reference.strip()).exists():
        raise ApplicationError("拨付凭证号已存在", field="reference")
    payment = Payment.objects.create(
        district=district,
        reference=reference.strip(),
        paid_on=paid_on,
        amount=sum((line.amount for line in lines), ZERO),
        created_by=actor,
    )
    totals_pay(
        PaymentLine.objects.bulk_create(
            PaymentLine(payment=payment, claim_line=line, amount=line.amount) for line in lines
        )
    )
    by_claim: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        by_claim[line.claim_id].append(line)
    for paid_lines in by_claim.values():
        claim = paid_lines[0].claim
        unpaid = claim.lines.filter(decision=LineDecision.APPROVED, payment_line__isnull=True).exists()
        if not unpaid:
            locked = Claim.objects.select_for_update().get(pk=claim.pk)
            claim_mark_for_ledger(
                claim=locked, actor=actor, to=ClaimStatus.PAID, reason=f"拨付凭证 {payment.reference}"
            )
        amount = sum((line.amount for line in paid_lines), ZERO)
        claim_notify(
            claim=claim,
            actor=actor,
            kind="claim_paid",
            what=f"已拨付 {len(paid_lines)} 条明细，共 {yuan(amount)} 元"
            + ("" if unpaid else "，申领已全部拨付"),
            body=f"拨付凭证号 {payment.reference}，拨付日期 {paid_on.isoformat()}",
        )
    return payment


def _paid_when_nothing_left_to_pay(claim: Claim, actor: User) -> None:
    """A claim 审核通过 whose approved lines are now all paid, once its last unpaid one was reversed
    or recovered, is 已拨付, as when its last line is paid (the reconciliation expects it)."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    approved = claim.lines.filter(decision=LineDecision.APPROVED)
    if (
        claim.status == ClaimStatus.APPROVED
        and approved.exists()
        and not approved.filter(payment_line__isnull=True).exists()
    ):
        claim_mark_for_ledger(claim=claim, actor=actor, to=ClaimStatus.PAID, reason="其余明细均已拨付")


def _booked_commitment(line: ClaimLine) -> LedgerEntry:
    """The line's commitment, still standing (not reversed nor recovered), locked."""
    entry = (
        LedgerEntry.objects.select_for_update()
        .filter(claim_line=line, kind=EntryKind.COMMITMENT)
        .select_related("allocation")
        .first()
    )
    if entry is None or LedgerEntry.objects.filter(reverses=entry).exists():
        raise ApplicationError(f"明细 #{line.pk} 没有在账的记账，无需追回", field="line")
    return entry


@transaction.atomic
def line_recover(*, line: ClaimLine, actor: User, rule: str, reason: str, source: str = "") -> Recovery:
    """追回: a booked or paid line found wrong (by an audit finding or by hand) leaves the special
    account: a recovery entry cancels its commitment (the allocation gets the amount back), the
    line becomes 不予补贴 with the rule and the reason, its 以工代训 months leave the account, and
    if the money was paid a receivable stands until the claimant returns it. Logged on the claim,
    whose page shows it to the claimant. When every approved line left on the claim is paid, the
    claim is 已拨付. The district's officers and the municipal admin only."""
    claim = Claim.objects.select_for_update().get(pk=line.claim_id)
    locked = ClaimLine.objects.select_for_update(of=("self",)).select_related("person")
    line = locked.get(pk=line.pk, claim=claim)
    persons_lock([line.person_id])  # what is booked for the person changes: as an approval, by the person
    if not is_claim_officer(actor, claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以追回补贴")
    rule, reason, source = rule.strip(), reason.strip(), source.strip()
    if not rule:
        raise ApplicationError("追回须选择依据规则", field="rule")
    if not reason:
        raise ApplicationError("追回须填写理由", field="reason")
    if line.decision != LineDecision.APPROVED or claim.status not in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        raise ApplicationError(f"明细 #{line.pk} 未记账，无需追回", field="line")
    commitment = _booked_commitment(line)
    Allocation.objects.select_for_update().get(pk=commitment.allocation_id)
    paid = PaymentLine.objects.filter(claim_line=line).values_list("amount", flat=True).first() or ZERO
    entry = LedgerEntry.objects.create(
        allocation_id=commitment.allocation_id,
        claim_line=line,
        share=commitment.share,
        kind=EntryKind.RECOVERY,
        amount=-commitment.amount,
        reverses=commitment,
        reason=f"追回：{reason}",
        rules_version=commitment.rules_version,
        created_by=actor,
    )
    totals_book([entry])
    recovery = Recovery.objects.create(
        claim_line=line,
        entry=entry,
        amount=commitment.amount,
        receivable=paid,
        rule=rule,
        reason=reason,
        source=source,
        status=RecoveryStatus.OUTSTANDING if paid else RecoveryStatus.NOTHING_DUE,
        created_by=actor,
    )
    claim_line_unbook(line=line, actor=actor, rule=rule, reason=f"追回：{reason}")
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"追回：{reason}",
        changes={
            "recovery": recovery.pk,
            "line": line.pk,
            "person": line.person_id,
            "amount": f"{recovery.amount:.2f}",
            "receivable": f"{recovery.receivable:.2f}",
            "rule": rule,
            "source": source,
        },
    )
    due = (
        f"已拨付的 {yuan(recovery.receivable)} 元须退回专账"
        if recovery.receivable
        else "该明细尚未拨付，无须退款"
    )
    claim_notify(
        claim=claim,
        actor=actor,
        kind="claim_line_recovered",
        what=f"明细 #{line.pk}（{line.person.name}）追回 {yuan(recovery.amount)} 元，{due}",
        body=f"依据 {rule}：{reason}",
    )
    _paid_when_nothing_left_to_pay(claim, actor)
    return recovery


def _recovery_officer(recovery: Recovery, actor: User) -> None:
    if not is_claim_officer(actor, recovery.claim_line.claim):
        raise ApplicationError("只有本区县人力社保局经办人员可以登记追回款退回")


def _has_reference(recovery: Recovery, actor: User, context: Mapping[str, Any]) -> ApplicationError | None:
    if context["reference"].strip():
        return None
    return ApplicationError("请填写退回凭证号", field="reference")


def _returned_by_now(recovery: Recovery, actor: User, context: Mapping[str, Any]) -> ApplicationError | None:
    if context["returned_on"] <= timezone.localdate():
        return None
    return ApplicationError("退回日期不能晚于今天", field="returned_on")


# A recovery of paid money is a receivable until the claimant returns it; one of unpaid money
# is born 未拨付，无需退回 and never moves. Its log rows are written on the claim, whose page shows
# them. (A payment has no state of its own: it moves the claim 审核通过 → 已拨付, a move of the
# claim lifecycle reserved to this app, as final approval is.)
RECOVERY_LIFECYCLE: Lifecycle[Recovery] = register(
    Lifecycle(
        name="追回款",
        model=Recovery,
        states=RecoveryStatus,
        transitions=(
            Transition(
                RecoveryStatus.OUTSTANDING,
                RecoveryStatus.RETURNED,
                "登记退回",
                "officer",
                guards=(
                    Guard("填写退回凭证号", _has_reference),
                    Guard("退回日期不晚于今天", _returned_by_now),
                ),
                notice="申领人",
                does="在申领的状态记录中记一行",
            ),
        ),
        roles={
            "officer": Who(
                "本区县经办人员或市级管理员", lambda actor, r: is_claim_officer(actor, r.claim_line.claim)
            )
        },
        admit=_recovery_officer,
        refuse_move=lambda recovery, source, target: ApplicationError(
            f"该追回状态为“{recovery.get_status_display()}”，无需登记退回", field="status"
        ),
        lock_row=lambda recovery: (
            Recovery.objects.select_for_update().select_related("claim_line__claim").get(pk=recovery.pk)
        ),
        log=False,
        initial=(RecoveryStatus.OUTSTANDING, RecoveryStatus.NOTHING_DUE),
        description="追回已拨付的补贴时，应收款待申领人退回；未拨付的追回无需退回，不再变化。"
        "状态记录写在申领上（申领页向申领人显示）。",
    )
)


def recovery_returned(*, recovery: Recovery, actor: User, returned_on: date, reference: str) -> Recovery:
    """The claimant returned a recovered payment: the receivable is settled (logged on the claim)."""
    return move(
        RECOVERY_LIFECYCLE,
        recovery,
        actor=actor,
        to=RecoveryStatus.RETURNED,
        context={"reference": reference, "returned_on": returned_on},
        before_save=lambda recovery, step: _settle(recovery, returned_on, reference),
        after_save=lambda recovery, step: _tell_returned(recovery, actor, returned_on),
    )


def _settle(recovery: Recovery, returned_on: date, reference: str) -> None:
    recovery.returned_on = returned_on
    recovery.returned_reference = reference.strip()


def _tell_returned(recovery: Recovery, actor: User, returned_on: date) -> None:
    claim = recovery.claim_line.claim
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"追回款已退回（凭证 {recovery.returned_reference}）",
        changes={
            "recovery": recovery.pk,
            "returned": f"{recovery.receivable:.2f}",
            "returned_on": returned_on.isoformat(),
        },
    )
    claim_notify(
        claim=claim,
        actor=actor,
        kind="claim_recovery_returned",
        what=f"明细 #{recovery.claim_line_id} 的追回款 {yuan(recovery.receivable)} 元已登记退回",
        body=f"退回凭证号 {recovery.returned_reference}，退回日期 {returned_on.isoformat()}",
    )


# The allocation totals (models.AllocationTotal) ---------------------------------------------------
# Kept in step with the entries and payments: the services below call `totals_book` right after
# writing entries and `totals_pay` right after writing payment lines, in the same transaction, so
# the totals are never ahead of or behind what is committed. Each adds with one UPDATE … SET
# booked = booked + x per (allocation, share), which also serialises two transactions booking on
# the same share (a row lock held to commit). What they must equal: selectors.totals.


def _add(booked: dict[Key, Decimal], paid: dict[Key, Decimal]) -> None:
    keys = sorted(set(booked) | set(paid))  # one order for every writer: no deadlock between two
    if not keys:
        return
    AllocationTotal.objects.bulk_create(
        [AllocationTotal(allocation_id=allocation, share=share) for allocation, share in keys],
        ignore_conflicts=True,
    )
    for key in keys:
        allocation, share = key
        AllocationTotal.objects.filter(allocation_id=allocation, share=share).update(
            booked=F("booked") + booked.get(key, ZERO),
            paid=F("paid") + paid.get(key, ZERO),
            version=F("version") + 1,
        )


def totals_book(entries: Iterable[LedgerEntry]) -> None:
    """Entries just written (commitments, reversals, recoveries) join their allocation's totals. A
    commitment on a line that is already paid brings the payment with it, as `totals_from_entries`
    counts it."""
    entries = list(entries)
    booked: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        booked[(entry.allocation_id, entry.share)] += entry.amount
    commitments = {e.claim_line_id: e for e in entries if e.kind == EntryKind.COMMITMENT}
    paid: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    if commitments:
        for line_id, amount in PaymentLine.objects.filter(claim_line_id__in=commitments).values_list(
            "claim_line_id", "amount"
        ):
            entry = commitments[line_id]
            paid[(entry.allocation_id, entry.share)] += amount
    _add(booked, paid)


def totals_pay(payment_lines: Iterable[PaymentLine]) -> None:
    """Payment lines just written join the totals of the allocations their lines are committed in."""
    amounts = {p.claim_line_id: p.amount for p in payment_lines}
    paid: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for allocation, share, line_id in LedgerEntry.objects.filter(
        claim_line_id__in=amounts, kind=EntryKind.COMMITMENT
    ).values_list("allocation_id", "share", "claim_line_id"):
        paid[(allocation, share)] += amounts[line_id]
    _add({}, paid)


@transaction.atomic
def totals_rebuild(allocation_ids: Iterable[int] | None = None) -> int:
    """Set the totals of the allocations given (or all) to the sums of their entries; the number of
    (allocation, share) totals that changed. Locks the totals it rewrites."""
    ids = None if allocation_ids is None else list(allocation_ids)
    changed = totals_differences(ids)
    for (allocation, share), _, summed in changed:
        AllocationTotal.objects.update_or_create(
            allocation_id=allocation, share=share, defaults={"booked": summed.booked, "paid": summed.paid}
        )
        AllocationTotal.objects.filter(allocation_id=allocation, share=share).update(version=F("version") + 1)
    return len(changed)


# Reconciliations in the background (R8.5: 账实相符、账表相符) ---------------------------------------
# The reconciliation reads every line of a district's year (about 0.4 s at 200,000 lines), too long
# for a page, so a Celery task (tasks.reconcile) does it and keeps what it found (Reconciliation);
# the page shows the latest result at once, with its time, and a button to reconcile again. Every
# night each district's current and previous year are reconciled (CELERY_BEAT_SCHEDULE
# "ledger-reconcile-nightly"); a run that finds a difference tells the district's officers.
# Lifecycle `queued → running → finished | failed`, changed here only; at most one run of a
# district-year is in progress (a second request gets the first). The task is idempotent: a run
# found `running` (its worker died, the message came again) is reconciled again from the start.

RS = ReconciliationStatus
_TASK = "system"
RECONCILIATION_LIFECYCLE: Lifecycle[Reconciliation] = register(
    Lifecycle(
        name="对账任务",
        noun="对账状态",
        model=Reconciliation,
        states=RS,
        transitions=(
            Transition(RS.QUEUED, RS.RUNNING, "开始对账", _TASK),
            Transition(RS.QUEUED, RS.FAILED, "对账失败", _TASK),
            Transition(
                RS.RUNNING, RS.RUNNING, "重新对账", _TASK, does="任务被重新投递（worker 中断）：从头再对"
            ),
            Transition(
                RS.RUNNING,
                RS.FINISHED,
                "对账完成",
                _TASK,
                does="保存不一致之处；有不一致时通知本区县经办人员",
            ),
            Transition(RS.RUNNING, RS.FAILED, "对账失败", _TASK),
        ),
        roles={_TASK: Who("对账任务（Celery）", anyone)},
        log=False,
        description="对账页面或每日自动对账发起，由 Celery 任务对账；任务行本身就是日志（谁、何时、结果）。",
    )
)
RECONCILIATION_FAILED = "对账失败，请重新对账；多次失败请联系市人力社保局管理员。"
RECONCILIATION_STUCK = "对账任务长时间未完成（任务队列暂不可用或任务中断），已停止，请重新对账。"


def _run_move(run: Reconciliation, to: str) -> None:
    move(RECONCILIATION_LIFECYCLE, run, actor=None, to=to, lock=False, save=False)


def reconciliation_request(*, actor: User | None, district: District, year: int) -> Reconciliation:
    """Ask for a reconciliation of the district's year (`actor` None: the nightly run). One already
    queued or running for it is returned instead of a second. The user must read the district's
    ledger (its officers, the municipal admin, the auditors)."""
    if actor is not None and not ledger_districts(actor).filter(pk=district.pk).exists():
        raise ApplicationError("只能对本人可查看专账的区县对账", field="district")
    if not 2000 <= year <= 2100:
        raise ApplicationError("年度应在 2000 至 2100 之间", field="year")
    in_progress = {"district": district, "year": year, "status__in": (RS.QUEUED, RS.RUNNING)}
    existing = Reconciliation.objects.filter(**in_progress).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            run = Reconciliation.objects.create(district=district, year=year, requested_by=actor)
    except IntegrityError:  # another request queued one meanwhile (reconciliation_one_in_progress)
        return Reconciliation.objects.get(**in_progress)
    from .tasks import reconcile

    run_id = run.pk
    publish_on_commit(
        reconcile, run_id, on_failure=lambda: reconciliation_fail(run_id=run_id, error=QUEUE_UNAVAILABLE)
    )
    return run


def reconciliation_fail(*, run_id: int, error: str) -> None:
    """queued | running → failed, with what the page says (the queue was down, the run was lost)."""
    job_fail(RECONCILIATION_LIFECYCLE, run_id, error)


def reconciliation_build(*, run_id: int) -> Reconciliation:
    """Reconcile the run's district-year and keep the differences; a failure is logged and fails
    the run. A finished or failed run is left as it is (a message delivered twice does nothing)."""
    with transaction.atomic():
        run = Reconciliation.objects.select_for_update().select_related("district").get(pk=run_id)
        if run.status in (RS.FINISHED, RS.FAILED):
            return run
        _run_move(run, RS.RUNNING)
        run.started_at = timezone.now()
        # Read before reconciling: a change after this read changes the sum (reconciliation_for_summary).
        run.totals_version = totals_version(district_id=run.district_id, year=run.year)
        run.save(update_fields=["status", "started_at", "totals_version"])
    try:
        differences = reconciliation(district=run.district, year=run.year)
    except Exception:
        logger.exception("reconciliation %s failed", run.pk)
        reconciliation_fail(run_id=run.pk, error=RECONCILIATION_FAILED)
        run.refresh_from_db()
        return run
    with transaction.atomic():
        run = Reconciliation.objects.select_for_update().select_related("district").get(pk=run_id)
        if run.status != RS.RUNNING:
            return run
        _run_move(run, RS.FINISHED)
        run.differences = [asdict(d) for d in differences]
        run.difference_count = len(differences)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "differences", "difference_count", "finished_at"])
        if differences:
            _tell_the_district(run)
    return run


def reconciliation_for_summary(
    *, actor: User, district: District, year: int
) -> tuple[Reconciliation | None, list[Difference]]:
    """The district-year's reconciliation as a fund summary reports it (R8.5), in the worker that
    writes the summary: the latest finished run while nothing has been booked, reversed, recovered
    or paid on the district-year's allocation since that run began (the sum of its totals'
    versions is the same), so the summary, the page and every other summary of the same books
    agree and the books are not read again; otherwise a run now, kept like one asked for on the
    page (the page then shows it; differences are told to the district). With a run of the
    district-year already in progress, the differences are found here and not kept."""
    latest = reconciliation_latest(district=district, year=year)
    if latest is not None and latest.totals_version == totals_version(district_id=district.pk, year=year):
        return latest, run_differences(latest)
    try:
        with transaction.atomic():
            run = Reconciliation.objects.create(district=district, year=year, requested_by=actor)
    except IntegrityError:  # one is queued or running: reconcile without keeping the result
        return None, reconciliation(district=district, year=year)
    run = reconciliation_build(run_id=run.pk)
    if run.status != RS.FINISHED:
        raise ApplicationError(run.error or RECONCILIATION_FAILED)
    return run, run_differences(run)


def _tell_the_district(run: Reconciliation) -> None:
    """The district's officers learn of differences (and whoever asked, if not one of them)."""
    officers = User.objects.filter(role=Role.DISTRICT_OFFICER, district=run.district)
    asked = [run.requested_by] if run.requested_by is not None else []
    notify(
        recipients=[*officers, *asked],
        kind="reconciliation_differences",
        title=f"{run.district.name}{run.year} 年度对账发现 {run.difference_count} 处不一致",
        body="申领核定金额、台账净额与拨付金额不一致，请在“对账”页面查看并处理 (R8.5)。",
        link=f"/ledger/reconciliation/?district={run.district.code}&year={run.year}",
    )


def reconciliations_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """The sweeper (beat, every TASK_SWEEP_MINUTES; apps.core.tasks.sweep_jobs): a run whose
    message was lost is sent again once; still not finished after that, it fails."""
    from .tasks import reconcile

    return sweep_jobs(
        Reconciliation,
        reconcile,
        fail=lambda run_id, error: reconciliation_fail(run_id=run_id, error=error),
        stuck_message=RECONCILIATION_STUCK,
        now=now or timezone.now(),
    )


def reconciliations_nightly(*, today: datetime | None = None) -> list[int]:
    """Every district with an allocation for this year or last year is reconciled for that year;
    the ids of the runs asked for (or already in progress)."""
    year = timezone.localdate(today).year if today else timezone.localdate().year
    allocations = Allocation.objects.filter(year__in=(year, year - 1)).select_related("district")
    return [
        reconciliation_request(actor=None, district=a.district, year=a.year).pk
        for a in allocations.order_by("district__sort_order", "-year")
    ]


# Service KPIs (selectors.kpis): worked out by the worker, read from the cache by the pages --------


def kpis_refresh(*, district_id: int | None, by: str, year: int | None = None) -> KpiReport:
    """Work a scope's report out and keep it (the task's body, and the page's own when the queue
    is down)."""
    key = kpis.kpi_key(district_id, by, year)
    report = kpis.kpis_compute(district_id=district_id, by=by, year=year)
    cache.set(key, report, kpis.KPI_KEEP_SECONDS)
    cache.delete(f"{key}:refreshing")
    return report


def service_kpis(
    *, district_id: int | None, by: str = "district", year: int | None = None
) -> KpiReport | None:
    """The KPIs of one district (by claimant) or of the city (by district), over the last KPI_DAYS
    days or the claims of funding year `year`, as last worked out; a report older than
    KPI_CACHE_SECONDS, or none, is asked of the worker, once per scope whoever is looking. None
    while a scope's first report is being worked out."""
    from .tasks import kpis_refresh as task

    key = kpis.kpi_key(district_id, by, year)
    report = cache.get(key)
    stale = report is None or (timezone.now() - report.as_of).total_seconds() >= kpis.KPI_CACHE_SECONDS
    if stale and cache.add(f"{key}:refreshing", 1, kpis.KPI_REFRESH_LOCK_SECONDS):
        try:
            publish(task, district_id, by, year)
        except QueueUnavailable:
            return kpis_refresh(district_id=district_id, by=by, year=year)
        report = cache.get(key) or report  # a worker in this process (eager) has kept it already
    return report
