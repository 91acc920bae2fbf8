"""Journey (issue 18, part 5, claim sampling): 渝中区 reviews every claim scoring 4 risk points or
more line by line. The school (registered this year, a line with a finding of the engine: 4
points) submits its completion claim; the officer's claim page says why it must be decided line
by line and offers no bulk approval; the officer approves a line one by one. At 390 px the page
stays within the screen. Every page scanned with axe-core."""

from datetime import date
from decimal import Decimal

import pytest

from apps.catalog.models import SettingKey
from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from tests.factories import DistrictSettingFactory, district

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_sampled_claim_is_decided_line_by_line(portal, completed_class, operator, officer):
    DistrictSettingFactory(
        district=district("500103"),
        key=SettingKey.CLAIM_RISK_THRESHOLD,
        value=Decimal(4),
        effective_from=date(2021, 1, 1),
    )
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim = claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)

    screen = Screen(portal(officer), 390)
    desk = screen.portal
    desk.goto(f"/claims/{claim.pk}/")
    screen.measure()
    why = desk.text("#line-by-line")
    assert "须逐条审核" in why and "风险分 4" in why and "申领单位登记不满一年 2 分" in why
    assert desk.page.get_by_role("button", name="其余明细全部通过").count() == 0
    form = desk.page.locator("form.action-form").filter(has=desk.page.get_by_role("button", name="开始审核"))
    form.get_by_role("checkbox").first.check()
    desk.submit(form.get_by_role("button", name="开始审核", exact=True))
    line = claim.lines.filter(amount__gt=0, findings=[]).order_by("pk").first()
    desk.submit(desk.page.locator(f"#line-{line.pk}").get_by_role("button", name="通过", exact=True))
    line.refresh_from_db()
    assert line.decision == LineDecision.APPROVED
    screen.measure()
    assert not screen.too_wide(), screen.widths
