"""Journey (issue 18, part 4, 考评): 渝中区 contracted a third-party agency whose reviewer advised on
the three lines of a completion claim; the officer followed two of the three pieces of advice. The
officer opens 第三方考评 from the menu on a 390 px phone, reads the agency's agreement (66.7%),
downloads the quarter's Excel, opens the agency (its chart and the chart's data table), records
the quarter's evaluation (合格, with a reason) and finds the way to the blacklist. Every page
scanned with axe-core."""

import pytest

from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide, claim_line_recommend
from apps.evaluations.models import AgencyEvaluation
from tests.factories import UserFactory, district

from .conftest import Screen, workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_officer_reads_the_scorecard_and_evaluates_the_agency(portal, completed_class, operator, officer):
    reviewer = UserFactory(reviewer=True, engaged=[district("500103")])
    agency = reviewer.agency_staff.agency
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    lines = {line.person.name: line for line in claim.lines.select_related("person")}
    for name, verdict, rule in (
        ("张全勤", "approve", ""),
        ("王未过", "reject", "R2.6"),
        ("李部分", "reject", "R2.1"),
    ):
        claim_line_recommend(line=lines[name], actor=reviewer, verdict=verdict, rule=rule, reason="意见")
    claim_line_decide(line=lines["张全勤"], actor=officer, decision=LineDecision.APPROVED)
    claim_line_decide(
        line=lines["王未过"], actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
    )
    claim_line_decide(line=lines["李部分"], actor=officer, decision=LineDecision.APPROVED)

    screen = Screen(portal(officer), 390)
    desk = screen.portal
    desk.goto("/")
    desk.goto("/evaluations/")
    screen.measure()
    assert agency.name in desk.text() and "66.7%（2/3）" in desk.text()
    with desk.page.expect_download() as info:
        desk.page.get_by_role("link", name="导出 Excel").click()
    _, text = workbook(info.value)
    assert agency.name in text and "66.7" in text

    desk.follow(agency.name)
    screen.measure()
    assert "图表数据" in desk.text("#trend") and desk.page.locator("#trend svg rect").count() == 8
    desk.page.get_by_label("合格", exact=True).check()
    desk.field("考评意见").fill("意见及时，与审核结论一致率 66.7%，须改进")
    desk.submit("保存考评")
    assert "已记录" in desk.message(), desk.text()
    assert "合格" in desk.text("#evaluations") and AgencyEvaluation.objects.get().grade == "pass"
    assert desk.page.get_by_role("link", name="列入黑名单（须说明原因）").count() == 1
    screen.measure()
    assert not screen.too_wide(), screen.widths


def test_the_officer_reads_the_institutions_ranking_and_a_scorecard(
    portal, completed_class, operator, officer
):
    """Issue 19, part 2: the school's year, computed; on a 390 px phone."""
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    year = completed_class.end_date.year
    screen = Screen(portal(officer), 390)
    desk = screen.portal
    desk.goto(f"/evaluations/institutions/?year={year}")
    screen.measure()
    assert completed_class.institution.name in desk.text()
    with desk.page.expect_download() as info:
        desk.page.get_by_role("link", name="导出 Excel").click()
    _, text = workbook(info.value)
    assert completed_class.institution.name in text
    desk.follow(completed_class.institution.name)
    screen.measure()
    assert "合格 2 / 在册学员 3" in desk.text("#criteria") and "近三年" in desk.text()
    desk.field("确定理由").fill("采纳建议")
    desk.submit("确定培训计划")
    assert "年度培训计划" in desk.message(), desk.text()
    assert not screen.too_wide(), screen.widths


def test_the_officer_weighs_the_criteria_overrides_a_score_and_reads_both(
    portal, completed_class, operator, officer
):
    """Issue 19, part 2: 渝中区 weighs returned claims 0 from 1 January (a dated district setting);
    the officer types a score over the computed one for the year — refused without a reason, then
    saved with one — and the institution's scorecard shows the computed total with each weight
    and its source, the sum written out, and the override with who, when and why; the ranking
    lists the district's weights."""
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    year = completed_class.end_date.year
    school = completed_class.institution
    desk = portal(officer)

    desk.goto("/catalog/districts/500103/settings/")
    desk.field("设置项").select_option(label="综合评估权重：申领未被退回或驳回")
    desk.field("取值").fill("0")
    desk.field("生效日期").fill(f"{year}-01-01")
    desk.field("依据/说明").fill("区局综合评估办法")
    desk.submit("保存")
    assert "设置已保存" in desk.message(), desk.text()

    desk.goto(f"/institutions/{school.pk}/")
    years = desk.page.locator("#years")
    desk.field("年度", within=years).fill(str(year))
    desk.field("人工覆盖得分（留空则采用系统计算得分）", within=years).fill("92")
    desk.field("培训计划额度（人次）", within=years).fill("100")
    desk.submit(years.get_by_role("button", name="保存"))
    assert "填写或修改综合评估得分须说明原因（人工覆盖计算得分）" in desk.text("#years"), desk.text()
    years = desk.page.locator("#years")
    desk.field("依据/说明", within=years).fill("年中现场评估优秀")
    desk.submit(years.get_by_role("button", name="保存"))
    assert "已保存" in desk.message(), desk.text()

    desk.goto(f"/evaluations/institutions/?year={year}")
    assert "92.00（优秀）" in desk.text() and "年中现场评估优秀" in desk.text()
    assert f"区县设置（{year}-01-01 起）" in desk.text("#weights")
    desk.follow(school.name)
    criteria = desk.text("#criteria")
    assert f"区县设置（{year}-01-01 起）" in criteria and "默认" in criteria
    assert "÷ (30 + 20 + 20 + 0 + 10)" in desk.text("#arithmetic")
    override = desk.text("#override")
    assert "92.00 分 · 优秀" in override and "年中现场评估优秀" in override and str(officer) in override
    assert "按人工覆盖得分的等次建议" in desk.text("#plan") and "1.2（优秀" in desk.text("#plan")
