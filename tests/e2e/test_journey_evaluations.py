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
