"""Journey: the district's officer publishes a notice (公示) of an approved claim; an anonymous
visitor, without JavaScript, finds it from the login page and files an objection on one line; the
payment of that line is refused while the notice runs and while the objection is open; the officer
answers it (不成立) and, once the period is over, pays. Every page scanned with axe-core."""

from datetime import date

import pytest

from apps.claims.models import LineDecision
from apps.core import dates
from apps.ledger.models import Payment
from apps.ledger.services import claim_approve
from apps.publicity.models import Objection, ObjectionStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_publish_object_answer_then_pay(portal, reviewed, officer, allocation, monkeypatch):
    claim = claim_approve(claim=reviewed, actor=officer)
    line = claim.lines.filter(decision=LineDecision.APPROVED).order_by("pk").first()
    monkeypatch.setattr(dates, "today", lambda: date(2025, 9, 30))  # the day before National Day

    district = portal(officer)
    district.goto("/publicity/office/")
    district.follow("发布公示")
    district.field("公示全部审核通过、尚未公示的申领").check()
    district.field("我已核对以上内容，确认执行").check()
    district.submit("发布公示")
    assert "公示期至 2025-10-14" in district.message()

    visitor = portal(None, javascript=False)
    visitor.goto("/accounts/login/")
    visitor.follow("补贴公示（公开查询、提出异议）")
    visitor.follow_in(visitor.page.locator("table.grid"), "职业技能提升补贴公示")
    assert line.person.id_number not in visitor.text()
    row = line.notice_line
    visitor.follow(f"对第 {row.pk} 条提出异议")
    visitor.field("您的姓名").fill("王五")
    visitor.field("联系电话或电子邮箱").fill("13800001111")
    visitor.field("异议内容").fill("此人当月未参加培训")
    visitor.submit("提交异议")
    objection = Objection.objects.get()
    assert objection.number in visitor.text() and objection.line == row

    monkeypatch.setattr(dates, "today", lambda: date(2025, 10, 15))  # the period is over
    district.goto("/ledger/payments/new/")
    assert "有未处理的异议" in district.text("#held")

    district.goto("/publicity/office/objections/")
    district.follow(objection.number)
    district.page.get_by_label("不成立").check()
    district.field("处理理由").fill("经核实签到记录完整")
    district.field("我已核对以上内容，确认执行").check()
    district.submit("提交处理结果")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.REJECTED

    district.goto("/ledger/payments/new/")
    district.field("拨付凭证号").fill("GS-2025-1")
    district.page.get_by_label(f"申领 #{claim.pk}", exact=False).first.check()
    district.field("我已核对以上内容，确认执行").check()
    district.submit("登记拨付")
    assert "已登记拨付 GS-2025-1" in district.message()
    line.refresh_from_db()
    assert line.payment_line.payment == Payment.objects.get(reference="GS-2025-1")
