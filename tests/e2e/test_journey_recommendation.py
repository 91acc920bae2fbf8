"""Journey (issue 18, part 2): a third-party reviewer engaged by 渝中区 opens a submitted class
claim, advises rejecting one line with a rule and a reason and approving another; the district
officer sees each recommendation beside its line and decides against one of them. Through the UI
only, every page scanned with axe-core."""

import pytest

from apps.claims.models import ClaimStatus, LineDecision, LineRecommendation
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from tests.factories import UserFactory, district

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _row(portal, name):
    return portal.page.locator("tr", has=portal.page.get_by_role("link", name=name, exact=True))


def _recommend(portal, name, verdict, reason, rule=None):
    row = _row(portal, name)
    row.locator("summary", has_text="提出审核意见").click()
    portal.field("审核意见", row).select_option(label=verdict)
    if rule:
        portal.field("理由规则（建议不予补贴时必选）", row).select_option(value=rule)
    portal.field("理由（必填）", row).fill(reason)
    portal.submit(row.get_by_role("button", name="提交意见"))


def test_a_reviewer_recommends_per_line_and_the_officer_decides(portal, completed_class, operator, officer):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    reviewer = UserFactory(reviewer=True, engaged=[district("500103")])

    third_party = portal(reviewer)
    third_party.goto(f"/claims/{claim.pk}/")
    _recommend(third_party, "李部分", "建议不予补贴", "签到表与线上平台记录不符", rule="R2.5")
    assert "审核意见已记录" in third_party.message()
    _recommend(third_party, "张全勤", "建议通过", "出勤与考核材料齐全")
    assert "建议不予补贴" in _row(third_party, "李部分").inner_text()
    assert LineRecommendation.objects.filter(line__claim=claim).count() == 2

    district_officer = portal(officer)
    district_officer.goto(f"/claims/{claim.pk}/")
    assert (
        "第三方意见：建议不予补贴（R2.5） 签到表与线上平台记录不符"
        in _row(district_officer, "李部分").inner_text()
    )
    assert "第三方意见：建议通过" in _row(district_officer, "张全勤").inner_text()
    # The officer decides, here against the advice on 李部分: a recommendation never decides.
    row = _row(district_officer, "李部分")
    district_officer.submit(row.get_by_role("button", name="通过", exact=True))
    line = claim.lines.get(person__name="李部分")
    assert line.decision == LineDecision.APPROVED and line.decided_by == officer
