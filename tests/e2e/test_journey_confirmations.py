"""Journey (issue 18, part 7, the trainee's word): 渝中区 requires half of a claim's trainees to
confirm before approval. The institution submits the completion claim of its class (services:
the claim journey walks that part); each trainee with a phone gets a text message (the locmem
backend). 张全勤 opens the link on a 390 px phone, without JavaScript, and confirms. 李部分 has
only the code: from the login page they open the code form, give the code and their ID number's
last four characters, tick the first session as not attended and dispute. The officer's claim page
then shows the dispute in 学员确认 and the A8 finding on 李部分's line. One of three confirmed and
the district wants two: approving 张全勤's line is refused too, until the officer sends 王未过 (no
phone at submission, one on file now) the message again and they confirm; then it passes. Every
page scanned with axe-core."""

from datetime import date
from decimal import Decimal

import pytest

from apps.audits.models import AuditFinding
from apps.catalog.models import SettingKey
from apps.claims.models import ClaimLine, ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.confirmations.models import ConfirmationRequest
from apps.core.messaging import LocmemBackend
from tests.confirmations.conftest import PHONES, sent
from tests.factories import DistrictSettingFactory, district

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    """The sending task runs in the test's process (the live server's thread), its messages in the
    locmem outbox this test reads."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture
def submitted(completed_class, operator):
    DistrictSettingFactory(
        district=district("500103"),
        key=SettingKey.CONFIRMATION_SHARE,
        value=Decimal("0.5"),
        effective_from=date(2021, 1, 1),
    )
    for key, who in completed_class.trainees.items():
        who.phone = PHONES[key]
        who.save(update_fields=["phone"])
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    return claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)


def _line(claim, name):
    return ClaimLine.objects.get(claim=claim, person__name=name)


def test_trainees_confirm_and_dispute_and_the_officer_sees_it(portal, submitted, officer):
    messages = sent(LocmemBackend.outbox)
    assert set(messages) == {PHONES["full"], PHONES["partial"]}

    # 张全勤 confirms by the link, on a phone, without JavaScript.
    screen = Screen(portal(None, javascript=False), 390)
    trainee = screen.portal
    trainee.goto(f"/confirm/{messages[PHONES['full']].token}/")
    screen.measure()
    assert "张**" in trainee.text() and "张全勤" not in trainee.text()
    assert "记录的签到课次" in trainee.text()
    trainee.page.get_by_label("属实：我参加了以上培训").check()
    trainee.submit("提交答复")
    assert "已收到您的答复" in trainee.message()
    assert "确认以上记录属实" in trainee.text("#answer")
    screen.measure()
    assert not screen.too_wide(), screen.widths

    # 李部分 has the code: from the login page.
    other = portal(None, javascript=False)
    other.goto("/accounts/login/")
    other.follow("学员确认培训记录（输入短信确认码）")
    person = _line(submitted, "李部分").person
    other.field("确认码").fill(messages[PHONES["partial"]].code.lower())
    other.field("身份证号码后四位").fill(person.id_number[-4:])
    other.submit("查看我的培训记录")
    other.page.get_by_label("有异议：以上记录与实际不符").check()
    other.submit("提交答复")
    assert "请说明异议理由" in other.text(), other.text()
    other.page.get_by_label("有异议：以上记录与实际不符").check()
    first = other.page.locator("input[name=absent_sessions]").first
    first.check()
    other.field("异议理由（有异议时必填）").fill("第一天我在上班，没有去")
    other.submit("提交答复")
    assert "提出异议" in other.text("#answer"), other.text()
    request = ConfirmationRequest.objects.get(claim=submitted, person=person)
    assert request.status == "disputed" and len(request.absent_sessions) == 1

    # The officer: the dispute in 学员确认, the finding on the line, approval refused.
    desk = portal(officer)
    desk.goto(f"/claims/{submitted.pk}/")
    assert "第一天我在上班，没有去" in desk.text("#confirmations")
    assert "A8" in desk.text(f"#line-{_line(submitted, '李部分').pk}")
    assert AuditFinding.objects.filter(rule="A8", line=_line(submitted, "李部分"), current=True).exists()
    # One of three confirmed; the district wants two: every approval is held back.
    assert "还差 1 人" in desk.text("#confirmations")
    form = desk.page.locator("form.action-form").filter(has=desk.page.get_by_role("button", name="开始审核"))
    form.get_by_role("checkbox").first.check()
    desk.submit(form.get_by_role("button", name="开始审核", exact=True))
    row = desk.page.locator(f"#line-{_line(submitted, '张全勤').pk}")
    desk.submit(row.get_by_role("button", name="通过", exact=True))
    assert "学员确认不足" in desk.message(), desk.text()
    assert _line(submitted, "张全勤").decision == LineDecision.PENDING

    # 王未过 had no phone; with one on file, the officer sends again; they confirm; 张全勤's passes.
    nobody = _line(submitted, "王未过").person
    nobody.phone = "13900000003"
    nobody.save(update_fields=["phone"])
    desk.goto(f"/claims/{submitted.pk}/")
    row = desk.page.locator("#confirmations tr:has-text('王未过')")
    desk.submit(row.get_by_role("button", name="重新发送"))
    assert "已重新发送学员确认" in desk.message(), desk.text()
    third = portal(None, javascript=False)
    third.goto(f"/confirm/{sent(LocmemBackend.outbox)['13900000003'].token}/")
    third.page.get_by_label("属实：我参加了以上培训").check()
    third.submit("提交答复")
    desk.goto(f"/claims/{submitted.pk}/")
    assert "已达到本区县审核前须确认的人数" in desk.text("#confirmations")
    row = desk.page.locator(f"#line-{_line(submitted, '张全勤').pk}")
    desk.submit(row.get_by_role("button", name="通过", exact=True))
    assert _line(submitted, "张全勤").decision == LineDecision.APPROVED
