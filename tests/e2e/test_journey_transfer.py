"""Journey (issue 19, part 4, 调剂): the municipal admin, on a 390 px phone, moves 100,000 元 of 2026
from 渝中区 to 万州区 on the allocations page: a first try beyond what 渝中区 has left is refused
with the most it can give; the transfer is listed, both allocations show it, and both districts'
books still reconcile exactly. 万州区's officer reads it on the same page, without the form.
Every page scanned with axe-core."""

from decimal import Decimal

import pytest

from apps.ledger.models import Allocation
from apps.ledger.selectors.accounts import reconciliation
from apps.ledger.services import allocation_set
from tests.factories import UserFactory, district

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_admin_moves_money_between_two_districts(portal, admin_user):
    for code, amount in (("500103", "300000"), ("500101", "200000")):
        allocation_set(actor=admin_user, district=district(code), year=2026, amount=Decimal(amount))
    screen = Screen(portal(admin_user), 390)
    admin = screen.portal
    admin.goto("/ledger/performance/?year=2026")  # what the decision rests on
    screen.measure()
    assert "渝中区" in admin.text("#performance") and "执行率" in admin.text("#performance")
    admin.goto("/ledger/allocations/?year=2026")
    screen.measure()
    form = admin.page.locator("#transfers form")
    admin.field("调出区县", form).select_option(label="渝中区")
    admin.field("调入区县", form).select_option(label="万州区")
    admin.field("调剂金额（元）", form).fill("400000")
    admin.field("调剂理由", form).fill("渝中区执行率 20%，万州区 95%")
    admin.field("我已核对以上内容，确认执行", form).check()
    admin.submit(form.get_by_role("button", name="调剂"))
    assert "最多可调出 300000.00 元" in admin.message(), admin.text()
    form = admin.page.locator("#transfers form")
    admin.field("调出区县", form).select_option(label="渝中区")
    admin.field("调入区县", form).select_option(label="万州区")
    admin.field("调剂金额（元）", form).fill("100000")
    admin.field("调剂理由", form).fill("渝中区执行率 20%，万州区 95%")
    admin.field("我已核对以上内容，确认执行", form).check()
    admin.submit(form.get_by_role("button", name="调剂"))
    assert "渝中区 → 万州区 100,000.00 元" in admin.message(), admin.text()
    assert "渝中区执行率 20%" in admin.text("#transfers")
    screen.measure()
    assert not screen.too_wide(), screen.widths
    training = {a.district.code: a.training_share for a in Allocation.objects.filter(year=2026)}
    assert training == {"500103": Decimal("200000.00"), "500101": Decimal("300000.00")}
    assert reconciliation(district=district("500103"), year=2026) == []
    assert reconciliation(district=district("500101"), year=2026) == []
    desk = portal(UserFactory(officer=True, district=district("500101")))
    desk.goto("/ledger/allocations/?year=2026")
    assert "渝中区执行率 20%" in desk.text("#transfers") and desk.page.locator("#transfers form").count() == 0
