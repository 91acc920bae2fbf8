from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.ledger.models import Allocation, EntryKind, LedgerEntry, Payment
from apps.ledger.selectors.accounts import balances, reconciliation
from apps.ledger.services import allocation_set, claim_approve, entry_reverse, payment_record
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district, notice_over

pytestmark = pytest.mark.django_db
S = ClaimStatus


def _training(district_code="500103", year=2026):
    return next(b for b in balances(district=district(district_code), year=year) if b.share == "training")


def test_approval_posts_one_entry_per_approved_line(reviewed, officer, allocation):
    claim = claim_approve(claim=reviewed, actor=officer)
    assert claim.status == S.APPROVED
    entries = LedgerEntry.objects.order_by("amount")
    assert [(e.kind, e.amount, e.share) for e in entries] == [
        (EntryKind.COMMITMENT, Decimal("1125.00"), "training"),
        (EntryKind.COMMITMENT, Decimal("1410.00"), "training"),
    ]
    balance = _training()
    assert (balance.allocated, balance.booked, balance.remaining) == (
        Decimal("70000.00"),
        Decimal("2535.00"),
        Decimal("67465.00"),
    )
    assert reconciliation(district=district("500103"), year=2026) == []


def test_approval_needs_every_line_decided(completed_class, operator, officer, allocation):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=S.SUBMITTED,
    )
    claim_line_decide(
        line=claim.lines.filter(amount__gt=0).first(), actor=officer, decision=LineDecision.APPROVED
    )
    with pytest.raises(ApplicationError, match="尚有 2 条明细未审核"):
        claim_approve(claim=claim, actor=officer)
    assert LedgerEntry.objects.count() == 0


def test_an_approval_that_would_overdraw_is_refused_and_nothing_is_written(reviewed, officer, admin_user):
    allocation_set(
        actor=admin_user,
        district=district("500103"),
        year=2026,
        amount=Decimal("2600"),
        work_for_training_share=Decimal("100"),
        living_allowance_share=Decimal("0"),
    )  # training share 2500 < 2535
    with pytest.raises(ApplicationError) as exc:
        claim_approve(claim=reviewed, actor=officer)
    assert exc.value.rule == "R8.2"
    assert "2500.00" in exc.value.message and "2535.00" in exc.value.message
    reviewed.refresh_from_db()
    assert reviewed.status == S.UNDER_REVIEW
    assert LedgerEntry.objects.count() == 0


def test_no_allocation_no_approval(reviewed, officer):
    with pytest.raises(ApplicationError, match="尚未设置专账资金额度"):
        claim_approve(claim=reviewed, actor=officer)


def test_a_reversal_restores_the_balance(reviewed, officer, allocation):
    claim_approve(claim=reviewed, actor=officer)
    entry = LedgerEntry.objects.get(amount=Decimal("1125.00"))
    reversal = entry_reverse(entry=entry, actor=officer, reason="复核发现签到造假")
    assert (reversal.kind, reversal.amount, reversal.reverses) == (
        EntryKind.REVERSAL,
        Decimal("-1125.00"),
        entry,
    )
    assert _training().booked == Decimal("1410.00")
    reviewed.refresh_from_db()
    assert reviewed.approved_total == Decimal("1410.00")
    entry.claim_line.refresh_from_db()
    assert entry.claim_line.decision == LineDecision.REJECTED
    assert reconciliation(district=district("500103"), year=2026) == []
    with pytest.raises(ApplicationError, match="已冲销"):
        entry_reverse(entry=entry, actor=officer, reason="again")


def test_payment_marks_lines_and_the_claim_paid(reviewed, officer, allocation):
    claim_approve(claim=reviewed, actor=officer)
    approved = list(reviewed.lines.filter(decision=LineDecision.APPROVED).values_list("pk", flat=True))
    notice_over(approved)
    payment_record(
        actor=officer,
        district=district("500103"),
        reference="CQ-2026-0001",
        paid_on=date(2026, 12, 30),
        line_ids=approved[:1],
    )
    reviewed.refresh_from_db()
    assert reviewed.status == S.APPROVED
    payment = payment_record(
        actor=officer,
        district=district("500103"),
        reference="CQ-2026-0002",
        paid_on=date(2026, 12, 30),
        line_ids=approved[1:],
    )
    reviewed.refresh_from_db()
    assert reviewed.status == S.PAID
    assert Payment.objects.count() == 2 and payment.amount in (Decimal("1125.00"), Decimal("1410.00"))
    assert _training().paid == Decimal("2535.00")
    with pytest.raises(ApplicationError, match="已拨付"):
        payment_record(
            actor=officer,
            district=district("500103"),
            reference="CQ-2026-0003",
            paid_on=date(2026, 12, 30),
            line_ids=approved[:1],
        )
    with pytest.raises(ApplicationError, match="不能直接冲销"):
        entry_reverse(entry=LedgerEntry.objects.first(), actor=officer, reason="x")
    assert reconciliation(district=district("500103"), year=2026) == []


def test_reconciliation_finds_an_injected_mismatch_r8_5(reviewed, officer, allocation):
    claim_approve(claim=reviewed, actor=officer)
    entry = LedgerEntry.objects.get(amount=Decimal("1410.00"))
    LedgerEntry.objects.filter(pk=entry.pk).update(
        amount=Decimal("1400.00")
    )  # tampering outside the services
    differences = reconciliation(district=district("500103"), year=2026)
    # The line no longer nets to its amount, and the allocation's kept totals (what the balances
    # show, written by the services) no longer sum its entries.
    assert [(d.label, d.message) for d in differences] == [
        ("台账", f"明细 #{entry.claim_line_id} 核定 1410.00 元，台账净额 1400.00 元"),
        (
            "额度汇总",
            "培训补贴额度使用汇总为已记账 2535.00 元、已拨付 0.00 元，按台账记录合计为已记账 2525.00 元、"
            "已拨付 0.00 元",
        ),
    ]
    checked = StringIO()
    with pytest.raises(SystemExit) as failed:
        call_command("ledger_totals_rebuild", "--check", stdout=checked)
    assert failed.value.code == 1
    assert checked.getvalue().startswith(
        "渝中区 2026 培训补贴：汇总 已记账 2535.00 已拨付 0.00；台账 已记账 2525.00 已拨付 0.00"
    )
    rebuilt = StringIO()
    call_command("ledger_totals_rebuild", stdout=rebuilt)
    assert "已改正 1 条额度使用汇总" in rebuilt.getvalue()
    assert [d.kind for d in reconciliation(district=district("500103"), year=2026)] == ["ledger"]
    again = StringIO()
    call_command("ledger_totals_rebuild", "--check", stdout=again)
    assert "额度使用汇总与台账记录一致" in again.getvalue()


def test_allocation_cannot_go_below_what_is_booked(reviewed, officer, allocation, admin_user):
    claim_approve(claim=reviewed, actor=officer)
    with pytest.raises(ApplicationError, match=r"已记账 2535\.00"):
        allocation_set(actor=admin_user, district=district("500103"), year=2026, amount=Decimal("2000"))


def _allocation_row(district_code="500103", year=2026):
    return tuple(
        Allocation.objects.filter(district=district(district_code), year=year).values_list(
            "amount", "work_for_training_share", "living_allowance_share", "updated_at"
        )
    )


def test_only_the_municipal_admin_sets_allocations(allocation, officer):
    """The allocation is the municipal bureau's figure (R8.2): the district it limits may not
    raise it, nor may another district's officer or the auditor."""
    before, changes = _allocation_row(), StateChange.objects.count()
    for actor in (
        officer,  # 渝中区's own officer
        UserFactory(officer=True, district=district("500101")),
        UserFactory(auditor=True),
        UserFactory(municipal_admin=True, is_active=False),  # a disabled admin account
    ):
        with pytest.raises(ApplicationError, match="只有市人力社保局管理员"):
            allocation_set(
                actor=actor,
                district=district("500103"),
                year=2026,
                amount=Decimal("900000"),
                work_for_training_share=Decimal("20000"),
                living_allowance_share=Decimal("10000"),
            )
    assert _allocation_row() == before and StateChange.objects.count() == changes


ALLOCATION_FORM = {
    "year": "2026",
    "amount": "900000",
    "work_for_training_share": "20000",
    "living_allowance_share": "10000",
    "confirm": "on",
}
ALLOCATION_API = {
    "district": "500103",
    "year": 2026,
    "amount": "900000",
    "work_for_training_share": "20000",
    "living_allowance_share": "10000",
}


def test_a_district_officer_reads_the_allocation_but_cannot_raise_it(client, api_client, allocation, officer):
    client.force_login(officer)
    page = client.get(reverse("ledger:allocations") + "?year=2026")
    assert page.status_code == 200 and page.context["form"] is None
    text = page.content.decode()
    assert "100,000.00" in text and "保存额度" not in text and "本页只读" in text
    before, changes = _allocation_row(), StateChange.objects.count()
    posted = client.post(
        reverse("ledger:allocations"), {**ALLOCATION_FORM, "district": district("500103").pk}
    )
    assert posted.status_code == 403
    api_client.force_authenticate(officer)
    refused = api_client.post("/api/v1/ledger/allocations", ALLOCATION_API, format="json")
    assert (
        refused.status_code == 403
        and refused.json()["detail"] == "只有市人力社保局管理员可以设置专账资金额度"
    )
    assert api_client.get("/api/v1/ledger/allocations?year=2026").json()["count"] == 1  # read-only
    assert _allocation_row() == before and StateChange.objects.count() == changes
    balances_page = client.get(reverse("ledger:balances") + "?year=2027").content.decode()
    assert "设置额度" not in balances_page and "额度由市人力社保局管理员设置" in balances_page


def test_the_municipal_admin_sets_any_districts_allocation(client, api_client, allocation, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("ledger:allocations") + "?year=2026")
    assert page.context["form"] is not None and "保存额度" in page.content.decode()
    posted = client.post(
        reverse("ledger:allocations"), {**ALLOCATION_FORM, "district": district("500103").pk}
    )
    assert posted.status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("900000.00")
    api_client.force_authenticate(admin_user)
    set_ = api_client.post(
        "/api/v1/ledger/allocations",
        {**ALLOCATION_API, "district": "500101", "amount": "50000"},
        format="json",
    )
    assert set_.status_code == 201 and set_.json()["district"] == "500101"
    assert Allocation.objects.get(district=district("500101"), year=2026).amount == Decimal("50000.00")
