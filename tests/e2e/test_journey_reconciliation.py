"""Journey (issue 17, item 6): the reconciliation (R8.5) is a task, its page the latest result.

渝中区's officer, with a claim approved and booked for 2026, opens 对账: the year was never
reconciled, so the page says so and offers 开始对账. The officer starts it; the page shows the run
in progress and reloads itself (the Refresh header) until the task is done (a real Celery worker
under `make test`, the eager default otherwise), then 账实相符 with the time of the run and who
asked. An entry is then changed behind the ledger's back; 重新对账 finds the line that no longer
nets to its amount and the allocation total that no longer sums the entries (额度汇总), and the
officer's notices say so. On a 390 px phone screen (no page wider than the screen) and at full
width, every page scanned with axe-core and held to the Content-Security-Policy."""

from decimal import Decimal

import pytest

from apps.ledger.models import LedgerEntry, Reconciliation
from apps.ledger.services import claim_approve

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PAGE = "/ledger/reconciliation/?year=2026"


@pytest.fixture
def booked(reviewed, officer, allocation):
    return claim_approve(claim=reviewed, actor=officer)


def _until_done(screen: Screen, seen: str) -> str:
    """Reload as the Refresh header would, until the run has ended; the page's text then."""
    officer = screen.portal
    for _ in range(60):
        text = officer.text("section.card")
        if "正在对账" not in text:
            return text
        assert (
            officer.page.locator("button", has_text="重新对账")
            .or_(officer.page.locator("button", has_text="开始对账"))
            .is_disabled()
        )
        officer.page.wait_for_timeout(500)
        officer.goto(officer.page.url.removeprefix(officer.base_url))
        screen.measure()
    raise AssertionError(f"对账未完成：{seen}")


@pytest.mark.parametrize("width", [390, 1366])
def test_an_officer_reconciles_the_year_and_reads_what_the_task_found(
    portal, booked, officer, celery_worker, width
):
    screen = Screen(portal(officer), width)
    district = screen.portal
    district.goto(PAGE)
    screen.measure()
    assert "本年度尚未对账" in district.text("section.card")

    district.submit("开始对账")
    screen.measure()
    assert "已开始对账：渝中区2026 年度" in district.message()
    result = _until_done(screen, "first run")
    run = Reconciliation.objects.get()
    assert run.status == "finished", (run.status, run.error)
    assert "账实相符、账表相符" in result
    assert "officer.yuzhong 发起" in result and f"（#{run.pk}）" in result

    entry = LedgerEntry.objects.order_by("pk").first()
    LedgerEntry.objects.filter(pk=entry.pk).update(amount=entry.amount - Decimal("10.00"))
    district.submit("重新对账")
    screen.measure()
    result = _until_done(screen, "second run")
    assert "发现 2 处不一致" in result
    table = district.text("table.grid")
    assert f"明细 #{entry.claim_line_id} 核定" in table and "额度汇总" in table
    assert district.page.get_by_role("link", name=f"#{booked.pk}").count() >= 1

    district.goto("/notices/")
    screen.measure()
    assert "渝中区2026 年度对账发现 2 处不一致" in district.text()
    assert screen.too_wide() == []
