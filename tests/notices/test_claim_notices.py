"""Decisions on a claim reach the institution or enterprise that filed it, each with the officer's
reason or the figures, and a link to the claim: returned, rejected, a line refused, approved,
lines reopened for review, paid, a booking reversed, a line recovered and its money returned, an
audit finding confirmed. A submission reaches the district's officers. Nobody else is told."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.audits.models import AuditFinding, AuditRun, RunStatus, Scope
from apps.audits.services import audit_finding_resolve
from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide, claim_lines_approve_pending
from apps.ledger.models import LedgerEntry
from apps.ledger.services import (
    allocation_set,
    claim_approve,
    entry_reverse,
    line_recover,
    payment_record,
    recovery_returned,
)
from apps.notices.models import Notice
from tests.claims.conftest import person
from tests.factories import EmployerFactory, UserFactory, district, notice_over
from tests.ledger.test_money_integrity import apprenticeship, approve_all, early_end

pytestmark = pytest.mark.django_db
S = ClaimStatus


def told():
    """{username: [(kind, title, body)]} of every notice written."""
    result: dict[str, list[tuple[str, str, str]]] = {}
    for notice in Notice.objects.select_related("recipient").order_by("pk"):
        result.setdefault(notice.recipient.username, []).append((notice.kind, notice.title, notice.body))
    return result


@pytest.fixture
def submitted(completed_class, operator, officer, allocation, bystanders):
    operator.email = "school@example.cn"
    operator.save()
    Notice.objects.all().delete()  # the class's own submission and approval
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    return claim_transition(claim=claim, actor=operator, to=S.SUBMITTED)


@pytest.fixture
def fresh(submitted):
    """The claim submitted, its submission's notice to the officers put aside."""
    Notice.objects.all().delete()
    return submitted


def test_a_submission_reaches_the_districts_officers_only(submitted, operator, officer):
    assert told() == {
        officer.username: [
            (
                "claim_submitted",
                f"培训机构结业补贴申领 #{submitted.pk}：提交（{submitted.institution}），等待审核",
                "",
            )
        ]
    }
    assert Notice.objects.get().link == reverse("claims:detail", args=[submitted.pk])


@pytest.mark.parametrize(("to", "label"), [(S.RETURNED, "退回修改"), (S.REJECTED, "驳回")])
def test_a_return_or_rejection_reaches_the_institution_with_its_reason(fresh, operator, officer, to, label):
    claim_transition(claim=fresh, actor=officer, to=to, reason="缺少培训照片")
    assert told() == {
        operator.username: [
            (f"claim_{to}", f"培训机构结业补贴申领 #{fresh.pk}：{label}", "原因：缺少培训照片")
        ]
    }


def test_a_refused_line_reaches_the_institution_with_rule_and_reason(fresh, operator, officer):
    failed = fresh.lines.get(person__name="王未过")
    claim_line_decide(
        line=failed, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
    )
    assert told() == {
        operator.username: [
            (
                "claim_line_rejected",
                f"培训机构结业补贴申领 #{fresh.pk}：明细 #{failed.pk}（王未过）不予补贴",
                "理由（R2.6）：考核不合格",
            )
        ]
    }


def approved(claim, officer):
    failed = claim.lines.get(person__name="王未过")
    claim_line_decide(
        line=failed, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
    )
    claim_lines_approve_pending(claim=claim, actor=officer)
    Notice.objects.all().delete()
    return claim_approve(claim=claim, actor=officer, reason="材料齐全")


def test_approval_reaches_the_institution_with_the_amount_and_the_officers_words(
    fresh, operator, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved(fresh, officer)
    assert told() == {
        operator.username: [
            (
                "claim_approved",
                f"培训机构结业补贴申领 #{fresh.pk}：审核通过，核定补贴 2535.00 元",
                "通过 2 条明细，不予补贴 1 条（理由见申领页）\n审核意见：材料齐全",
            )
        ]
    }
    (sent,) = mail.outbox
    assert sent.to == ["school@example.cn"] and "核定补贴 2535.00 元" in sent.subject
    assert f"/claims/{fresh.pk}/" in sent.body


def test_payment_reaches_the_institution_per_claim(fresh, operator, officer):
    claim = approved(fresh, officer)
    lines = list(claim.lines.filter(decision=LineDecision.APPROVED).values_list("pk", flat=True))
    notice_over(lines)
    Notice.objects.all().delete()
    payment_record(
        actor=officer,
        district=district("500103"),
        reference="YZ-2026-001",
        paid_on=date(2026, 12, 6),
        line_ids=lines,
    )
    assert told() == {
        operator.username: [
            (
                "claim_paid",
                f"培训机构结业补贴申领 #{claim.pk}：已拨付 2 条明细，共 2535.00 元，申领已全部拨付",
                "拨付凭证号 YZ-2026-001，拨付日期 2026-12-06",
            )
        ]
    }


def test_a_part_payment_says_what_was_paid(fresh, operator, officer):
    claim = approved(fresh, officer)
    line = claim.lines.get(person__name="张全勤")
    notice_over([line.pk])
    Notice.objects.all().delete()
    payment_record(
        actor=officer,
        district=district("500103"),
        reference="YZ-1",
        paid_on=date(2026, 12, 6),
        line_ids=[line.pk],
    )
    ((kind, title, _),) = told()[operator.username]
    assert kind == "claim_paid" and title.endswith(f"已拨付 1 条明细，共 {line.amount:.2f} 元")


def test_a_recovery_and_its_return_reach_the_institution(fresh, operator, officer):
    claim = approved(fresh, officer)
    line = claim.lines.get(person__name="张全勤")
    notice_over([line.pk])
    payment_record(
        actor=officer,
        district=district("500103"),
        reference="YZ-1",
        paid_on=date(2026, 12, 6),
        line_ids=[line.pk],
    )
    Notice.objects.all().delete()
    recovery = line_recover(line=line, actor=officer, rule="R2.6", reason="证书编号不实")
    recovery_returned(recovery=recovery, actor=officer, returned_on=date(2026, 12, 6), reference="TH-9")
    prefix = f"培训机构结业补贴申领 #{claim.pk}：明细 #{line.pk}"
    assert told() == {
        operator.username: [
            (
                "claim_line_recovered",
                f"{prefix}（张全勤）追回 {line.amount:.2f} 元，已拨付的 {line.amount:.2f} 元须退回专账",
                "依据 R2.6：证书编号不实",
            ),
            (
                "claim_recovery_returned",
                f"{prefix} 的追回款 {line.amount:.2f} 元已登记退回",
                "退回凭证号 TH-9，退回日期 2026-12-06",
            ),
        ]
    }


def test_a_reversed_booking_reaches_the_institution(fresh, operator, officer):
    claim = approved(fresh, officer)
    Notice.objects.all().delete()
    entry = LedgerEntry.objects.filter(claim_line__claim=claim).order_by("pk").first()
    entry_reverse(entry=entry, actor=officer, reason="重复申领")
    ((kind, title, body),) = told()[operator.username]
    assert (kind, body) == ("claim_line_reversed", "原因：重复申领")
    assert title.endswith(f"明细 #{entry.claim_line_id} 台账冲销 {entry.amount:.2f} 元，不予补贴")
    assert set(told()) == {operator.username}


def _finding(claim, rule="A4"):
    run = AuditRun.objects.create(
        scope=Scope.ALL,
        scope_key="all",
        status=RunStatus.FINISHED,
        rules_version="t",
        finished_at=timezone.now(),
    )
    line = claim.lines.get(person__name="张全勤")
    return AuditFinding.objects.create(
        run=run,
        rule=rule,
        subject=f"line:{line.pk}",
        line=line,
        claim=claim,
        person=line.person,
        district=claim.district,
        details={"claimed": 50, "planned": 40},
    )


def test_a_confirmed_audit_finding_reaches_the_claimant_without_the_findings_figures(
    fresh, operator, officer
):
    finding = _finding(fresh)
    audit_finding_resolve(finding=finding, actor=officer, to="confirmed", reason="签到记录与课表不符")
    ((kind, title, body),) = told()[operator.username]
    assert kind == "audit_finding_confirmed" and body == "处理意见：签到记录与课表不符"
    assert title.startswith(f"培训机构结业补贴申领 #{fresh.pk}：明细 #{finding.line_id} 稽核疑点经确认（A4 ")
    assert set(told()) == {operator.username}


def test_a_dismissed_audit_finding_tells_nobody(fresh, officer):
    audit_finding_resolve(finding=_finding(fresh), actor=officer, to="dismissed", reason="已核实无误")
    assert told() == {}


def test_a_decision_refused_tells_nobody(fresh, operator, officer, bystanders):
    from apps.core.errors import ApplicationError

    wanzhou_officer = bystanders[1]
    with pytest.raises(ApplicationError):
        claim_transition(claim=fresh, actor=wanzhou_officer, to=S.RETURNED, reason="越权")
    with pytest.raises(ApplicationError):
        claim_transition(claim=fresh, actor=officer, to=S.RETURNED, reason="")
    assert told() == {}


# ---------------------------------------------------------------- an enterprise's claim


@pytest.fixture
def wanzhou():
    officer = UserFactory(officer=True, username="wz.officer", district=district("500101"))
    filer = UserFactory(filer=True, username="wz.filer", email="filer@example.cn")
    colleague = UserFactory(filer=True, username="wz.colleague")
    employer = EmployerFactory(is_classified=True)
    employer.members.add(filer, colleague)
    admin = UserFactory(municipal_admin=True, username="wz.admin")
    for year in (2021, 2022):
        allocation_set(
            actor=admin,
            district=district("500101"),
            year=year,
            amount=Decimal("500000"),
            work_for_training_share=Decimal("100000"),
        )
    return officer, filer, employer


def test_lines_reopened_at_final_approval_reach_the_enterprise(wanzhou):
    """The advance's line was approved, then the early end was booked: at the advance's final
    approval its line quotes 0 and goes back to pending; the enterprise's filers are told why."""
    officer, filer, employer = wanzhou
    apprentice = person("钱学徒", "012", region="500101")
    end = claim_transition(claim=early_end(employer, filer, apprentice), actor=filer, to=S.SUBMITTED)
    advance = claim_transition(
        claim=apprenticeship(employer, filer, apprentice, "advance"), actor=filer, to=S.SUBMITTED
    )
    claim_line_decide(line=advance.lines.get(), actor=officer, decision=LineDecision.APPROVED)
    approve_all(end, officer)
    Notice.objects.all().delete()
    from apps.core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="已改为待审核"):
        claim_approve(claim=advance, actor=officer)
    line = advance.lines.get()
    expected = [
        (
            "claim_lines_reopened",
            f"企业新型学徒制申领 #{advance.pk}：1 条明细按已记账情况重新测算后改为待审核",
            f"明细 #{line.pk}（钱学徒）4000.00 元 → 0.00 元：重新测算为 0，不能记账",
        )
    ]
    assert told() == {"wz.filer": expected, "wz.colleague": expected}
