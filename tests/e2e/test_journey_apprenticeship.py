"""Journey of an enterprise's new-type apprentices (企业新型学徒制, R5): the advance claimed and
approved into the ledger; then the early end (R5.3, the advance deducted), one apprentice for a
closure and one for "other reasons", which needs its written reason: the form refuses it without,
keeping everything typed; with it the W finding shows on the claim. The district officer must
give a reason to approve that line, and the bulk approval of the other lines skips it and says
so. Through the UI only, every page scanned with axe-core."""

from decimal import Decimal

import pytest

from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.ledger.services import allocation_set
from tests.claims.conftest import id_number
from tests.factories import UserFactory, district

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

APPRENTICES = [
    ("吴学徒", id_number("500101", "20000505", "022")),
    ("郑学徒", id_number("440106", "20010606", "033")),
]
OTHER = "疫情期间订单停产，企业与学徒协商终止培训"


def _row(company, row, name, number):
    company.field(f"第 {row} 行 身份证号码").fill(number)
    company.field(f"第 {row} 行 姓名").fill(name)
    company.field(f"第 {row} 行 开始日期").fill("2021-04-01")
    company.field(f"第 {row} 行 计划结束日期").fill("2023-03-31")
    company.field(f"第 {row} 行 计划培训月数").fill("24")


def _act(portal, label, reason=None):
    page = portal.page
    form = page.locator("form.action-form").filter(has=page.get_by_role("button", name=label, exact=True))
    if reason is not None:
        form.get_by_role("textbox").first.fill(reason)
    form.get_by_role("checkbox").first.check()
    portal.submit(form.get_by_role("button", name=label, exact=True))


def test_an_advance_then_an_early_end_for_another_reason_reviewed_line_by_line(
    portal, filer, employer, admin_user
):
    allocation_set(
        actor=admin_user,
        district=district("500101"),
        year=2021,
        amount=Decimal("100000"),
        work_for_training_share=Decimal("20000"),
        living_allowance_share=Decimal("10000"),
    )
    company = portal(filer)

    # the advance (R5.5), submitted
    company.goto("/claims/")
    company.follow("申领企业新型学徒制补贴")
    company.field("申领阶段").select_option(value="advance")
    for row, (name, number) in enumerate(APPRENTICES, start=1):
        _row(company, row, name, number)
    company.submit("生成申领草稿")
    advance = Claim.objects.get()
    assert advance.apprenticeship_stage == "advance" and advance.year == 2021, company.text()
    assert "8,000.00" in company.text("#lines tfoot")  # 50 % of 24 months at 4,000 a year, each (R5.5)
    _act(company, "提交")
    advance.refresh_from_db()
    assert advance.status == ClaimStatus.SUBMITTED

    # the district officer approves the advance into the ledger
    desk = portal(UserFactory(officer=True, username="officer.wanzhou", district=district("500101")))
    desk.goto(f"/claims/{advance.pk}/")
    _act(desk, "开始审核")
    _act(desk, "其余明细全部通过")
    assert "已将 2 条待审核明细审核通过" in desk.message()
    _act(desk, "审核通过并记账", reason="同意预拨")
    advance.refresh_from_db()
    assert advance.status == ClaimStatus.APPROVED and advance.approved_total == Decimal("8000.00")

    # the early end: "other" without its written reason is refused, and nothing typed is lost
    company.goto("/claims/")
    company.follow("申领企业新型学徒制补贴")
    company.field("申领阶段").select_option(value="early_end")
    for row, (name, number) in enumerate(APPRENTICES, start=1):
        _row(company, row, name, number)
        company.field(f"第 {row} 行 实际培训月数").fill("18")
        company.field(f"第 {row} 行 已完成主要课程并取得证书").check()
    company.field("第 1 行 提前结束原因").select_option(value="closure")
    company.field("第 2 行 提前结束原因").select_option(value="other")
    company.submit("生成申领草稿")
    assert Claim.objects.count() == 1
    assert "第 2 行「其他原因说明」：提前结束原因选“其他原因”时须写明原因 (R5.3)" in company.text(
        ".error-summary"
    )
    assert company.field("申领阶段").input_value() == "early_end"
    assert company.field("第 2 行 提前结束原因").input_value() == "other"
    assert company.field("第 2 行 身份证号码").input_value() == APPRENTICES[1][1]
    assert company.field("第 1 行 实际培训月数").input_value() == "18"
    assert company.field("第 1 行 提前结束原因").input_value() == "closure"
    assert company.field("第 2 行 已完成主要课程并取得证书").is_checked()
    company.field("第 2 行 其他原因说明").fill(OTHER)
    company.submit("生成申领草稿")
    claim = Claim.objects.exclude(pk=advance.pk).get()
    assert claim.apprenticeship_stage == "early_end" and claim.lines.count() == 2
    other = claim.lines.get(person__name="郑学徒")
    findings = company.text(f"#line-{other.pk}")
    assert "R5.3 [W]" in findings and OTHER in findings
    # 18 months at 4,000 a year (6,000.00), less the 4,000.00 advance booked: 2,000.00 each
    assert [line.amount for line in claim.lines.order_by("pk")] == [Decimal("2000.00")] * 2
    assert "4,000.00" in company.text("#lines tfoot")
    _act(company, "提交")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED

    # the officer: bulk approval skips the W line and says so; that line needs a reason
    desk.goto("/claims/?status=submitted")
    desk.follow(f"#{claim.pk}", exact=False)
    _act(desk, "开始审核")
    _act(desk, "其余明细全部通过")
    assert "已将 1 条待审核明细审核通过" in desk.message()
    assert f"明细 #{other.pk}（郑学徒）须逐条审核" in desk.message()
    other.refresh_from_db()
    assert other.decision == LineDecision.PENDING
    assert claim.lines.get(person__name="吴学徒").decision == LineDecision.APPROVED

    row = desk.page.locator(f"#line-{other.pk}")
    accept = row.locator("form", has=desk.page.get_by_role("button", name="通过", exact=True))
    reason = desk.field("通过理由（必填：本明细有须审核人员判断的校验结果）", row)
    assert reason.get_attribute("required") is not None
    accept.get_by_role("button", name="通过", exact=True).click()  # empty: the browser refuses
    assert not accept.evaluate("form => form.checkValidity()")
    other.refresh_from_db()
    assert other.decision == LineDecision.PENDING
    reason.fill("企业停产属通知所列“等”情形，经核实同意按提前结束拨付")
    desk.submit(accept.get_by_role("button", name="通过", exact=True))
    other.refresh_from_db()
    assert other.decision == LineDecision.APPROVED and "经核实同意" in other.decision_reason
    assert "经核实同意" in desk.text(f"#line-{other.pk}")
