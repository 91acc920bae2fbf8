"""Journeys through what issue 14 fixed besides forms: a bad file refused by name, the return reason
on the home page, the 消息 inbox, the institution's pages at 390 px, a claim draft deleted by its
owner, and the third party's pre-review of a class application that the officer then reads.
Each was a failing journey on the main of the issue; they pass since the fixes landed."""

import re
from datetime import date

import pytest

from apps.catalog.models import District
from apps.claims.models import Claim
from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.trainees.models import Enrolment
from tests.factories import NumberedInstitutionFactory, UserFactory

from .conftest import Screen
from .test_journey_roster import SESSIONS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def running_class(make_class, operator, officer):
    training_class = make_class(sessions=SESSIONS, start_date=date(2026, 11, 14), end_date=date(2026, 11, 15))
    for actor, to in ((operator, ClassStatus.SUBMITTED), (officer, ClassStatus.APPROVED)):
        training_class = class_transition(training_class=training_class, actor=actor, to=to)
    return training_class


def test_a_text_file_named_xlsx_is_refused_with_a_message(portal, running_class, operator, tmp_path):
    school = portal(operator)
    school.goto(f"/classes/{running_class.pk}/")
    school.follow("学员名册（实名制）")
    school.follow("上传花名册")
    fake = tmp_path / "花名册.xlsx"
    fake.write_text("姓名,身份证号码\n张三,11010519491231002X\n", encoding="utf-8")
    school.field("花名册文件 (.xlsx)").set_input_files(str(fake))
    school.submit("上传并导入")
    assert school.page.locator(".error-summary").count() == 1, school.page.title()
    assert Enrolment.objects.count() == 0


def test_the_home_page_shows_the_return_reason(portal, make_class, operator, officer):
    training_class = make_class()
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    class_transition(
        training_class=training_class, actor=officer, to=ClassStatus.RETURNED, reason="请补充授课教师资格证明"
    )
    school = portal(operator)
    school.goto("/")
    assert "请补充授课教师资格证明" in school.text()


def test_the_institution_is_told_in_its_inbox(portal, make_class, operator, officer):
    training_class = make_class()
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    class_transition(
        training_class=training_class, actor=officer, to=ClassStatus.RETURNED, reason="请补充材料"
    )
    school = portal(operator)
    school.goto("/")
    assert school.page.get_by_role("link", name="消息").count() == 1
    school.follow("消息", exact=False)
    assert "请补充材料" in school.text()
    # opening the notice marks it read and leads to the class it concerns
    school.follow_in(school.page.locator(".notice-list"), re.compile("退回"))
    assert school.page.url.endswith(f"/classes/{training_class.pk}/")
    assert training_class.name in school.text()
    assert not operator.notices.filter(read_at__isnull=True).exists()


def test_the_institution_pages_hold_at_390_px(portal, running_class, operator):
    school = portal(operator)
    school.page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    for path in ("/", "/classes/", f"/classes/{running_class.pk}/", f"/classes/{running_class.pk}/edit/"):
        school.goto(path)
        widths[path] = school.page.evaluate("document.documentElement.scrollWidth")
    assert all(width <= 390 for width in widths.values()), widths


def test_a_claim_draft_can_be_deleted_by_its_owner(portal, completed_class, operator):
    school = portal(operator)
    school.goto(f"/classes/{completed_class.pk}/")
    school.follow("申领补贴")
    school.page.get_by_label("培训补贴（按学员出勤和考核结果测算）").check()
    school.page.get_by_label("我已核对以上内容，确认执行").check()
    school.submit("生成申领草稿")
    claim = Claim.objects.get(training_class=completed_class)
    assert school.page.url.endswith(f"/claims/{claim.pk}/")
    lines = claim.lines.count()
    school.follow("删除草稿")
    school.field("删除原因").fill("测算前名册有误，重新申领")
    school.page.get_by_label("我已核对以上内容，确认执行").check()
    school.submit("删除草稿")
    assert f"申领草稿 #{claim.pk} 已删除" in school.message()
    assert not Claim.objects.filter(pk=claim.pk).exists()
    # the class may be claimed again at once: the deleted draft blocks nothing
    school.goto(f"/classes/{completed_class.pk}/")
    school.follow("申领补贴")
    school.page.get_by_label("培训补贴（按学员出勤和考核结果测算）").check()
    school.page.get_by_label("我已核对以上内容，确认执行").check()
    school.submit("生成申领草稿")
    again = Claim.objects.get(training_class=completed_class)
    assert again.pk != claim.pk and again.lines.count() == lines == 3


def test_a_third_party_reviewer_can_pre_review_a_class_application(portal, make_class, operator, officer):
    training_class = make_class()
    class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    reviewer = UserFactory(
        reviewer=True, username="third.party", engaged=[District.objects.get(code="500103")]
    )
    agency = portal(reviewer)
    agency.goto(f"/classes/{training_class.pk}/")
    agency.page.get_by_label("建议通过", exact=True).check()
    agency.field("第三方审核意见").fill("课程安排与职业标准相符，建议通过")
    agency.submit("提出审核意见")
    assert "第三方审核意见已记录" in agency.message()
    assert agency.page.get_by_role("button", name="审核通过").count() == 0  # it advises, never decides
    desk = portal(officer)
    desk.goto(f"/classes/{training_class.pk}/")
    assert "课程安排与职业标准相符，建议通过" in desk.text("#recommendation")
    assert "建议通过" in desk.text("#recommendation strong")


def test_a_third_party_reviewer_pre_reviews_a_recognition_application(portal, officer):
    """Issue 18, part 2: an institution awaiting recognition; the agency advises returning it (with
    a rule), on a 390 px phone; the officer reads the advice on the institution's page."""
    applicant = NumberedInstitutionFactory(status="applied", district=District.objects.get(code="500103"))
    reviewer = UserFactory(reviewer=True, engaged=[District.objects.get(code="500103")])
    screen = Screen(portal(reviewer), 390)
    agency = screen.portal
    agency.goto(f"/institutions/{applicant.pk}/")
    agency.page.get_by_label("建议退回修改", exact=True).check()
    agency.field("理由规则（建议不予通过时必选）").select_option(value="R6.2")
    agency.field("第三方审核意见").fill("办学许可证与申请的职业不一致，请补正")
    agency.submit("提出审核意见")
    assert "第三方审核意见已记录" in agency.message(), agency.text()
    screen.measure()
    assert not screen.too_wide(), screen.widths
    desk = portal(officer)
    desk.goto(f"/institutions/{applicant.pk}/")
    assert "建议退回修改" in desk.text("#pre-review") and "R6.2" in desk.text("#pre-review")
