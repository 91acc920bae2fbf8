"""Journey (c2): a completed class (三名学员: 张全勤 full attendance and passed, 李部分 45 offline
hours and passed, 王未过 failed) is claimed by its institution; the district officer starts the
review, refuses one line with a rule and a reason, passes the rest, approves the claim into the
ledger and registers the payment (its date input showing today's ISO date); every export is
downloaded and opened with openpyxl. Through the UI only, every page scanned with axe-core."""

import pytest
from django.utils import timezone

from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.core.templatetags.money import yuan
from apps.exports.models import ExportKind
from apps.ledger.models import Payment
from tests.factories import notice_over

from .conftest import workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _act(portal, label, reason=None):
    page = portal.page
    form = page.locator("form.action-form").filter(has=page.get_by_role("button", name=label, exact=True))
    if reason is not None:
        form.get_by_role("textbox").first.fill(reason)
    form.get_by_role("checkbox").first.check()
    portal.submit(form.get_by_role("button", name=label, exact=True))


def _line_row(portal, name):
    return portal.page.locator("tr", has=portal.page.get_by_role("link", name=name, exact=True))


def _refuse(portal, name, rule, reason):
    row = _line_row(portal, name)
    row.locator("summary", has_text="不予补贴").click()
    portal.field("理由规则", row).select_option(value=rule)
    portal.field("审核理由（必填）", row).fill(reason)
    row.get_by_role("checkbox").check()
    portal.submit(row.get_by_role("button", name="不予补贴"))


def _export(portal, label) -> str:
    """数据导出 → the kind's panel → 导出 Excel; small sets download at once."""
    portal.goto("/exports/")
    panel = portal.page.locator("section.panel", has=portal.page.get_by_role("heading", name=label))
    portal.follow_in(panel, "选择条件并导出")
    with portal.page.expect_download() as info:
        portal.page.get_by_role("button", name="导出 Excel").click()
    book, text = workbook(info.value)
    assert book.sheetnames
    return text


def test_a_class_claim_is_reviewed_line_by_line_approved_paid_and_exported(
    portal, completed_class, operator, officer, allocation
):
    school = portal(operator)
    school.goto(f"/classes/{completed_class.pk}/")
    school.follow("申领补贴")
    school.page.get_by_label("培训补贴（按学员出勤和考核结果测算）").check()
    school.page.get_by_label("我已核对以上内容，确认执行").check()
    school.submit("生成申领草稿")
    claim = Claim.objects.get(training_class=completed_class)
    assert claim.status == ClaimStatus.DRAFT and claim.lines.count() == 3
    total = school.text("table.grid tfoot")
    assert yuan(claim.total) in total  # 2,535.00, as every amount reads
    _act(school, "提交")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED

    district = portal(officer)
    district.goto("/claims/?status=submitted")
    district.follow(f"#{claim.pk}", exact=False)
    _act(district, "开始审核")
    _refuse(district, "李部分", "R2.5", "签到表与线上平台记录不符，出勤课时不足")
    _refuse(district, "王未过", "R2.6", "考核不合格，未取得证书")  # 0.00: decided one by one
    _act(district, "其余明细全部通过")
    lines = {line.person.name: line for line in claim.lines.select_related("person")}
    assert lines["李部分"].decision == LineDecision.REJECTED
    assert lines["李部分"].decision_rule == "R2.5" and "出勤课时不足" in lines["李部分"].decision_reason
    assert lines["张全勤"].decision == LineDecision.APPROVED
    assert lines["王未过"].decision == LineDecision.REJECTED
    _act(district, "审核通过并记账", reason="同意")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    approved = claim.approved_total
    assert approved == lines["张全勤"].amount and approved > 0
    assert yuan(approved) in district.text("table.grid tfoot")

    # payment registration: the date input shows today, as an ISO date the browser keeps
    notice_over(claim.lines.values_list("pk", flat=True))  # published (公示), period over
    district.goto("/ledger/payments/new/")
    assert district.field("拨付日期").input_value() == timezone.localdate().isoformat()
    district.field("拨付凭证号").fill("YZ-2026-0001")
    district.page.get_by_label(f"申领 #{claim.pk}", exact=False).check()
    district.page.get_by_label("我已核对以上内容，确认执行").check()
    district.submit("登记拨付")
    assert "已登记拨付 YZ-2026-0001" in district.message()
    payment = Payment.objects.get(reference="YZ-2026-0001")
    assert payment.amount == approved and payment.paid_on == timezone.localdate()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID

    # every export opens in openpyxl
    for kind in ExportKind:
        text = _export(district, str(kind.label))
        if kind in (ExportKind.LEDGER, ExportKind.CLAIM_LINES):
            assert "张全勤" in text and str(float(approved)) in text, kind  # a number cell
