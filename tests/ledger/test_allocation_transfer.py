"""Municipal redistribution (调剂, issue 19 part 4): the admin moves money between two districts'
allocations of a year, with a reason; the transfer rows are the record, each allocation keeps
their net, the headroom checks see it, and the reconciliation stays exact (and says so when the
kept net and the rows disagree)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.errors import ApplicationError
from apps.ledger.models import Allocation, AllocationTransfer
from apps.ledger.selectors.accounts import reconciliation
from apps.ledger.services import allocation_set, allocation_transfer, claim_approve
from apps.notices.models import Notice
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def wanzhou(admin_user):
    return allocation_set(actor=admin_user, district=district("500101"), year=2026, amount=Decimal("50000"))


def test_a_transfer_moves_training_money_and_reconciliation_stays_exact(
    allocation, wanzhou, admin_user, officer
):
    transfer = allocation_transfer(
        actor=admin_user,
        year=2026,
        source=district("500103"),
        target=district("500101"),
        amount=Decimal("30000.00"),
        reason="渝中区执行率 20%，万州区 95%",
    )
    yuzhong, wz = Allocation.objects.get(pk=allocation.pk), Allocation.objects.get(pk=wanzhou.pk)
    assert (yuzhong.transferred, wz.transferred) == (Decimal("-30000.00"), Decimal("30000.00"))
    assert yuzhong.training_share == Decimal("40000.00") and wz.training_share == Decimal("80000.00")
    assert yuzhong.amount == Decimal("100000.00")  # the bureau's own figure stays
    assert reconciliation(district=district("500103"), year=2026) == []
    assert reconciliation(district=district("500101"), year=2026) == []
    # The balances of every district count what was moved.
    from apps.ledger.selectors.dashboards import district_summaries

    allocated = {s.district.code: s.allocated for s in district_summaries(user=admin_user, year=2026)}
    assert (allocated["500103"], allocated["500101"]) == (Decimal("70000.00"), Decimal("80000.00"))
    assert Notice.objects.filter(recipient=officer, kind="allocation_transferred").exists()
    # A kept net that the rows do not explain is a difference.
    Allocation.objects.filter(pk=wanzhou.pk).update(transferred=Decimal("1.00"))
    (difference,) = reconciliation(district=district("500101"), year=2026)
    assert difference.kind == "allocation" and "调入 30000.00 元" in difference.message
    assert transfer.reason.startswith("渝中区")


def test_a_district_cannot_give_what_it_has_booked(reviewed, allocation, wanzhou, admin_user, officer):
    claim_approve(claim=reviewed, actor=officer)
    training = Allocation.objects.get(pk=allocation.pk).training_share
    with pytest.raises(ApplicationError, match="最多可调出"):
        allocation_transfer(
            actor=admin_user,
            year=2026,
            source=district("500103"),
            target=district("500101"),
            amount=training,
            reason="x",
        )
    assert not AllocationTransfer.objects.exists()


def test_every_problem_is_named(allocation, wanzhou, admin_user, officer):
    with pytest.raises(ApplicationError) as refused:
        allocation_transfer(
            actor=admin_user,
            year=2026,
            source=district("500103"),
            target=district("500103"),
            amount=Decimal("-1"),
            reason="",
        )
    message = str(refused.value)
    assert "两个区县" in message and "大于 0" in message and "调剂理由" in message
    with pytest.raises(ApplicationError, match="尚未设置专账资金额度"):
        allocation_transfer(
            actor=admin_user,
            year=2027,
            source=district("500103"),
            target=district("500101"),
            amount=Decimal("1"),
            reason="x",
        )
    with pytest.raises(ApplicationError, match="只有市人力社保局管理员"):
        allocation_transfer(
            actor=officer,
            year=2026,
            source=district("500103"),
            target=district("500101"),
            amount=Decimal("1"),
            reason="x",
        )


def test_the_page_for_the_admin_and_the_districts(allocation, wanzhou, admin_user, officer):
    client = Client()
    client.force_login(admin_user)
    page = reverse("ledger:allocations") + "?year=2026"
    assert (
        'id="transfers"' in client.get(page).content.decode()
        and "调剂资金" in client.get(page).content.decode()
    )
    url = reverse("ledger:allocation_transfer") + "?year=2026"
    data = {
        "source": district("500103").pk,
        "target": district("500101").pk,
        "amount": "100000",
        "reason": "x",
        "confirm": "on",
    }
    refused = client.post(url, data, follow=True).content.decode()
    assert "最多可调出 70000.00 元" in refused
    client.post(url, {**data, "amount": "20000", "reason": "万州区执行率高"})
    assert AllocationTransfer.objects.get().amount == Decimal("20000.00")
    # An officer reads the transfers of their district; no form; may not post.
    client.force_login(officer)
    html = client.get(page).content.decode()
    assert "万州区执行率高" in html and "调剂资金</h3>" not in html
    assert client.post(url, data).status_code == 403
    # Another district's officer sees neither.
    client.force_login(UserFactory(officer=True, district=district("500102")))
    assert "万州区执行率高" not in client.get(page).content.decode()
