"""One journey of each reviewing and claiming role on a 390 px phone screen: the district officer
reviews a class claim, an enterprise files a 以工代训 claim, an auditor exports the claim lines.
No page is wider than the screen (document.documentElement.scrollWidth ≤ 390); tables scroll in
their own region. Through the UI only, every page scanned with axe-core."""

import pytest

from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from tests.claims.conftest import id_number

from .conftest import Screen, workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
WIDTH = 390


def _narrow(portal, user) -> Screen:
    """The user's portal on a 390 px screen, its first page measured."""
    screen = Screen(portal(user), WIDTH)
    screen.measure()
    return screen


def _act(portal, label, reason=None):
    page = portal.page
    form = page.locator("form.action-form").filter(has=page.get_by_role("button", name=label, exact=True))
    if reason is not None:
        form.get_by_role("textbox").first.fill(reason)
    form.get_by_role("checkbox").first.check()
    portal.submit(form.get_by_role("button", name=label, exact=True))


def test_the_officer_reviews_a_claim_at_390_px(portal, completed_class, operator, officer):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    desk = _narrow(portal, officer)
    district = desk.portal
    district.goto("/claims/?status=submitted")
    desk.measure()
    district.follow(f"#{claim.pk}", exact=False)
    desk.measure()
    _act(district, "开始审核")
    desk.measure()
    row = district.page.locator("tr", has=district.page.get_by_role("link", name="王未过", exact=True))
    row.locator("summary", has_text="不予补贴").click()
    district.field("理由规则", row).select_option(value="R2.6")
    district.field("审核理由（必填）", row).fill("考核不合格，未取得证书")
    row.get_by_role("checkbox").check()
    district.submit(row.get_by_role("button", name="不予补贴"))
    desk.measure()
    _act(district, "其余明细全部通过")
    desk.measure()
    decisions = dict(claim.lines.values_list("person__name", "decision"))
    assert decisions["王未过"] == LineDecision.REJECTED and decisions["张全勤"] == LineDecision.APPROVED
    assert len(desk.widths) == 6 and not desk.too_wide(), desk.widths


def test_an_enterprise_files_a_claim_at_390_px(portal, filer, employer):
    company = _narrow(portal, filer)
    page = company.portal
    page.goto("/claims/")
    company.measure()
    page.follow("申领以工代训补贴")
    company.measure()
    page.field("第 1 行 身份证号码").fill(id_number("500101", "19900101", "011"))
    page.field("第 1 行 姓名").fill("赵以工")
    page.field("第 1 行 起始月份").fill("2021-10")
    page.field("第 1 行 结束月份").fill("2021-12")
    page.submit("生成申领草稿")
    company.measure()
    claim = Claim.objects.get()
    assert "1,500.00" in page.text("#lines tfoot")
    _act(page, "提交")
    company.measure()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    page.goto("/claims/")  # the list, with the claim in it
    company.measure()
    page.follow("申领以工代训补贴")
    page.follow("上传人员名单 (Excel)")
    company.measure()
    assert not company.too_wide(), company.widths


def test_an_auditor_exports_claim_lines_at_390_px(portal, completed_class, operator, auditor):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    reader = _narrow(portal, auditor)
    page = reader.portal
    page.goto("/exports/")
    reader.measure()
    panel = page.page.locator(
        "section.panel", has=page.page.get_by_role("heading", name="申领明细", exact=False)
    )
    page.follow_in(panel, "选择条件并导出")
    reader.measure()
    with page.page.expect_download() as info:
        page.page.get_by_role("button", name="导出 Excel").click()
    _, text = workbook(info.value)
    assert all(name in text for name in ("张全勤", "李部分", "王未过"))
    page.goto("/claims/")
    reader.measure()
    page.follow(f"#{claim.pk}", exact=False)
    reader.measure()
    assert not reader.too_wide(), reader.widths
