"""Journey (issue 19, part 1, what-if): a living allowance claim of 渝中区 (L = 100 元/天) has been
submitted for 2026. The municipal admin, on a 390 px phone, drafts "生活费补贴日标准增加 20 元" for
渝中区 and 2026; the replay runs (the task in the test's process) and the page shows 1,650.00 →
1,980.00, the two lines that change with both explanations, and the Excel of it. She adopts it
from tomorrow with a reason; nothing changes until 渝中区's officer, at full width, reads the
proposed change (生活费补贴 100 → 120 元/天) and approves it: then the district's setting holds
120 from tomorrow. Every page scanned with axe-core."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import DistrictSetting, SettingKey
from apps.claims.models import ClaimStatus
from apps.claims.services.class_claims import claim_create_living_allowance
from apps.claims.services.lifecycle import claim_transition
from apps.trainees.models import PersonGroup

from .conftest import Screen, workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def test_the_admin_replays_a_higher_living_allowance(portal, completed_class, operator, admin_user, officer):
    PersonGroup.objects.create(person=completed_class.trainees["full"], group="poverty_alleviated")
    PersonGroup.objects.create(person=completed_class.trainees["partial"], group="registered_unemployed")
    claim = claim_create_living_allowance(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)

    screen = Screen(portal(admin_user), 390)
    admin = screen.portal
    admin.goto("/")
    admin.goto("/scenarios/")
    screen.measure()
    admin.field("推演名称").fill("生活费补贴日标准提高 20 元")
    admin.field("区县").select_option(label="渝中区")
    admin.field("资金年度").fill("2026")
    admin.field("参数 1").select_option(value="daily_amount")
    admin.field("变化方式 1").select_option(value="add")
    admin.field("数值 1").fill("20")
    admin.submit("开始推演")
    assert "已提交推演" in admin.message(), admin.text()
    admin.goto(admin.page.url.removeprefix(admin.base_url))  # the replay has run: read it afresh
    totals = admin.text("#totals")
    assert "推演前 1,650.00 元，推演后 1,980.00 元，相差 330.00 元" in totals, totals
    assert admin.page.locator("#changed tbody tr").count() == 2
    screen.measure()
    assert not screen.too_wide(), screen.widths
    with admin.page.expect_download() as info:
        admin.page.get_by_role("link", name="导出 Excel").click()
    _, text = workbook(info.value)
    assert "推演后合计 1980" in text and "生活费补贴(含交通费)日标准" in text

    # Adopted from tomorrow, for review: nothing changes yet.
    tomorrow = timezone.localdate() + timedelta(days=1)
    admin.goto(admin.page.url.removeprefix(admin.base_url))
    admin.field("生效日期").fill(tomorrow.isoformat())
    admin.field("采纳理由").fill("物价上涨，生活费补贴每天提高 20 元")
    admin.submit("提交采纳方案")
    assert "待审核后生效" in admin.message(), admin.text()
    proposal = admin.text("#adoptions")
    assert "待审核" in proposal and "100.00" in proposal and "120.00" in proposal, proposal
    assert admin.page.get_by_role("button", name="审核通过").count() == 0  # not her own
    screen.measure()
    assert not screen.too_wide(), screen.widths
    assert not DistrictSetting.objects.filter(key=SettingKey.LIVING_ALLOWANCE_DAILY).exists()

    reviewer = portal(officer)
    reviewer.goto(admin.page.url.removeprefix(admin.base_url).split("#")[0])
    reviewer.field("审核意见").fill("同意，自明日起执行")
    reviewer.submit("审核通过")
    assert "参数变化已生效" in reviewer.message(), reviewer.text()
    assert "已生效" in reviewer.text("#adoptions")
    setting = DistrictSetting.objects.get(key=SettingKey.LIVING_ALLOWANCE_DAILY)
    assert (setting.value, setting.effective_from) == (Decimal("120"), tomorrow)
